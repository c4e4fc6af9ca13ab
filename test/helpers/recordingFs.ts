import * as fsPromises from 'node:fs/promises';
import path from 'node:path';

/**
 * The real file system, recording in order each step that decides what a power cut leaves:
 * `mkdir <folder>`, `write <file>`, `fsync <file or folder>`, `rename <from> <to>`,
 * `link <from> <to>`, `unlink <file>`, paths relative to `root` ('.' for root itself). Data
 * reaches the disk only at an fsync of its file, and a name (made, renamed, removed) only at an
 * fsync of its folder: the order of these lines is what a power-cut test checks.
 */
export function recordingFs(root: string): { fs: typeof fsPromises; ops: string[] } {
  const ops: string[] = [];
  const rel = (file: unknown) => path.relative(root, String(file)) || '.';
  const fs = {
    ...fsPromises,
    mkdir: (async (folder: string, options?: Parameters<typeof fsPromises.mkdir>[1]) => {
      const made = await fsPromises.mkdir(folder, options as never);
      if (typeof options !== 'object' || !options?.recursive) ops.push(`mkdir ${rel(folder)}`);
      else if (made !== undefined) {
        // a recursive mkdir names only the first folder it made; the others lie below it on the way to `folder`
        for (let at = path.resolve(folder), below: string[] = []; ; at = path.dirname(at)) {
          below.unshift(at);
          if (at === path.resolve(made)) {
            ops.push(...below.map((made) => `mkdir ${rel(made)}`));
            break;
          }
        }
      }
      return made;
    }) as typeof fsPromises.mkdir,
    open: (async (...args: Parameters<typeof fsPromises.open>) => {
      const handle = await fsPromises.open(...args);
      const name = rel(args[0]);
      const record = <F extends (...a: never[]) => Promise<unknown>>(what: string, method: F): F =>
        (async (...a: Parameters<F>) => {
          ops.push(`${what} ${name}`);
          return method.apply(handle, a);
        }) as F;
      handle.writeFile = record('write', handle.writeFile);
      handle.appendFile = record('write', handle.appendFile);
      handle.write = record('write', handle.write as never) as typeof handle.write;
      handle.sync = record('fsync', handle.sync);
      handle.datasync = record('fsync', handle.datasync);
      return handle;
    }) as typeof fsPromises.open,
    rename: (async (from: string, to: string) => {
      await fsPromises.rename(from, to);
      ops.push(`rename ${rel(from)} ${rel(to)}`);
    }) as typeof fsPromises.rename,
    link: (async (from: string, to: string) => {
      await fsPromises.link(from, to);
      ops.push(`link ${rel(from)} ${rel(to)}`);
    }) as typeof fsPromises.link,
    unlink: (async (file: string) => {
      await fsPromises.unlink(file);
      ops.push(`unlink ${rel(file)}`);
    }) as typeof fsPromises.unlink,
  };
  return { fs, ops };
}

/** The recorded steps with a temp file's writer-specific name (`<file>.<pid>-<hex>.partial`) written `<file>.partial`. */
export function withTempNames(ops: string[]): string[] {
  return ops.map((op) => op.replace(/\.\d+-[0-9a-f]{8}\.partial/g, '.partial'));
}
