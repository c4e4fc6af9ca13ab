import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { sha256OfRegularFile } from '../regularFile.js';
import { committedTempFile } from './atomicFile.js';
import type { Capture } from './records.js';
import type { SessionLog } from './sessionLog.js';
import type { Finding, Note } from './verify.js';

/** What a capture's image is checked by. */
type ImageOf = Pick<Capture, 'id' | 'session_id' | 'image_path' | 'image_sha256'>;

/** An image that could not be read in the snapshot, to look at again once it ends: withdrawn since, not yet renamed into place, or missing. */
interface UnreadImage {
  capture: ImageOf;
  error: Error;
}

/** How many images are read at once: enough to keep a disk (and the thread pool) busy, with little memory. */
const IMAGES_AT_ONCE = 8;

type ImageOutcome = Finding | UnreadImage | undefined;

/** Each live capture's image against its sha256, a few at a time, each a chunk at a time. */
export class ImageCheck {
  /** In the order of the captures. */
  private readonly outcomes: (Finding | UnreadImage)[] = [];
  private readonly reading: Promise<ImageOutcome>[] = [];

  constructor(private readonly dataDir: string) {}

  async check(capture: Capture): Promise<void> {
    if (capture.withdrawn_at !== null) return; // its image was deleted; a leftover is found as unreferenced
    this.reading.push(this.read(capture));
    if (this.reading.length >= IMAGES_AT_ONCE) this.record(await this.reading.shift());
  }

  /** Once every capture was checked. */
  async finish(): Promise<void> {
    while (this.reading.length > 0) this.record(await this.reading.shift());
  }

  private async read({ id, session_id, image_path, image_sha256 }: Capture): Promise<ImageOutcome> {
    const capture = { id, session_id, image_path, image_sha256 };
    try {
      return (await sha256OfImage(this.dataDir, String(image_path))) === image_sha256 ? undefined : changed(capture);
    } catch (error) {
      return { capture, error: error as Error };
    }
  }

  private record(outcome: ImageOutcome): void {
    if (outcome) this.outcomes.push(outcome);
  }

  /** The findings and notes, once the images that could not be read are looked at again against the rows as they are now. */
  async recheckUnread(log: SessionLog): Promise<{ findings: Finding[]; notes: Note[] }> {
    const findings: Finding[] = [];
    const notes: Note[] = [];
    for (const outcome of this.outcomes) {
      if ('message' in outcome) findings.push(outcome);
      else {
        const { finding, note } = await recheckImage(log, outcome);
        if (finding) findings.push(finding);
        if (note) notes.push(note);
      }
    }
    return { findings, notes };
  }
}

async function recheckImage(log: SessionLog, { capture, error }: UnreadImage): Promise<{ finding?: Finding; note?: Note }> {
  const imagePath = String(capture.image_path);
  // withdrawn since the snapshot (the withdrawal commits, then deletes the image), or committed but not yet renamed into place
  if (log.captures(capture.session_id).find((row) => row.id === capture.id)?.withdrawn_at) return {};
  const temp = await committedTempFile(log.dataDir, imagePath, capture.image_sha256);
  if (temp) {
    return { note: { message: `capture ${capture.id}: its image ${imagePath} is committed but still in its temporary file ${path.basename(temp)}: the app's next writable open, or doctor --verify --repair, puts it in place`, pendingImage: imagePath } };
  }
  // or renamed into place between the read and the look for its temp file: then it is there now
  const now = await sha256OfImage(log.dataDir, imagePath).catch(() => undefined);
  if (!now) return { finding: { message: `capture ${capture.id}: its image ${imagePath} ${await describeUnreadable(path.join(log.dataDir, imagePath), error)}` } };
  return now === capture.image_sha256 ? {} : { finding: changed(capture) };
}

const changed = (capture: ImageOf): Finding => ({ message: `capture ${capture.id}: its image ${String(capture.image_path)} was changed` });

/** An image's sha256; a link is refused, not followed. */
const sha256OfImage = (dataDir: string, file: string) => sha256OfRegularFile(path.join(dataDir, file), { followLinks: false });

async function describeUnreadable(file: string, error: Error): Promise<string> {
  const missing = await lstat(file).then(() => false, (lstatError: NodeJS.ErrnoException) => lstatError.code === 'ENOENT');
  return missing ? 'is missing' : `cannot be checked: ${error.message}`;
}

