import { isUtf8 } from 'node:buffer';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** A file in a folder: its path as messages show it, and the path that opens it. */
export interface FolderEntry {
  shown: string;
  /** A string where the name is UTF-8; else the name's bytes, since the string (with U+FFFD for them) names no file. */
  path: string | Buffer;
}

/** The files a folder lists, sorted by their shown paths; a folder that cannot be listed throws readdir's error. */
export async function listFolder(folder: string): Promise<FolderEntry[]> {
  const names = await readdir(folder, { encoding: 'buffer' });
  return names.map((name) => entryOf(folder, name)).sort((a, b) => (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0));
}

function entryOf(folder: string, name: Buffer): FolderEntry {
  const shown = path.join(folder, name.toString('utf8'));
  return { shown, path: isUtf8(name) ? shown : Buffer.concat([Buffer.from(path.join(folder, path.sep)), name]) };
}
