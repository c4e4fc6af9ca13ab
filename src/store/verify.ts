import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { captureHash, GENESIS_HASH } from './chain.js';
import type { SessionLog } from './sessionLog.js';

export interface VerifyReport {
  captures: number;
  /** The first capture (in log order) whose link, row or image is broken. */
  firstBroken?: { captureId: string; reason: string };
}

/** Walks the hash chain and every image's sha256; stops at the first broken link. */
export async function verifySessionLog(log: SessionLog): Promise<VerifyReport> {
  const sessions = new Map(log.sessions().map((session) => [session.id, session]));
  const captures = log.captures();
  let previous = GENESIS_HASH;
  for (const capture of captures) {
    const broken = (reason: string): VerifyReport => ({ captures: captures.length, firstBroken: { captureId: capture.id, reason } });
    const session = sessions.get(capture.session_id);
    if (!session) return broken('its session is missing');
    if (capture.prev_hash !== previous) return broken('the link to the capture before it does not match: a row was removed, added or reordered');
    if (capture.row_hash !== captureHash(previous, capture, session)) return broken('its row, or its session, was changed after it was written');
    let image: Buffer;
    try {
      image = await readFile(path.join(log.dataDir, capture.image_path));
    } catch {
      return broken(`its image ${capture.image_path} is missing`);
    }
    if (createHash('sha256').update(image).digest('hex') !== capture.image_sha256) return broken(`its image ${capture.image_path} was changed`);
    previous = capture.row_hash;
  }
  return { captures: captures.length };
}
