import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { UserError } from '../errors.js';
import { describeDecodeFailure } from '../images.js';
import { readRegularFile } from '../regularFile.js';
import type { Capture, Session } from '../store/records.js';
import { writeExportFile } from '../store/exportFile.js';
import type { SessionLog } from '../store/sessionLog.js';
import { describeWriteFailure, StoreError } from '../store/storeErrors.js';
import { captureObject, UnsendableCaptureError } from './captureObject.js';

export interface DicomExportResult {
  written: string[];
  /** Withdrawn captures (retakes) stay out of a PACS. */
  withdrawn: number;
}

/** Reads a logged capture's JPEG and builds its DICOM object. */
export async function objectOf(log: SessionLog, session: Session, capture: Capture, appVersion: string): Promise<Uint8Array> {
  const file = path.join(log.dataDir, capture.image_path);
  let jpeg: Buffer;
  let facts: Awaited<ReturnType<Sharp['metadata']>>;
  try {
    jpeg = await readRegularFile(file, { followLinks: false });
    facts = await sharp(jpeg).metadata();
  } catch (error) {
    const why = error instanceof UserError ? error.message : describeDecodeFailure(error);
    throw new UnsendableCaptureError(`The image of capture ${capture.id} (${file}) cannot be used: ${why.replace(/\.$/, '')}; dermacam doctor --verify checks the log.`);
  }
  const { width = 0, height = 0, channels = 3, isProgressive } = facts;
  return captureObject({ logIdentity: log.identity(), session, capture, jpeg, facts: { width, height, channels, isProgressive }, appVersion });
}

/**
 * Writes captures as DICOM files, `<dir>/<session id>/<capture id>.dcm`, each private (0600) and
 * whole or absent. An existing file is replaced only with `replace`: the same capture always
 * gives the same object, so a second export changes nothing a PACS would see.
 */
export async function writeDicomExport(
  log: SessionLog,
  dir: string,
  captures: Capture[],
  { appVersion, replace = false }: { appVersion: string; replace?: boolean },
): Promise<DicomExportResult> {
  const sessions = new Map(log.sessions().map((session) => [session.id, session]));
  const written: string[] = [];
  let withdrawn = 0;
  for (const capture of captures) {
    if (capture.withdrawn_at) {
      withdrawn++;
      continue;
    }
    const folder = path.join(dir, capture.session_id);
    await mkdir(folder, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      throw new StoreError(`The DICOM export was not written: ${describeWriteFailure(error, folder)}.`);
    });
    const file = path.join(folder, `${capture.id}.dcm`);
    await writeExportFile(file, await objectOf(log, sessions.get(capture.session_id)!, capture, appVersion), { replace });
    written.push(file);
  }
  return { written, withdrawn };
}
