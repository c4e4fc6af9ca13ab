import { createHash } from 'node:crypto';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { UserError } from '../errors.js';
import { makeFolders } from '../folders.js';
import { describeDecodeFailure } from '../images.js';
import { readRegularFile } from '../regularFile.js';
import type { Capture, Session } from '../store/records.js';
import { writeExportFile } from '../store/exportFile.js';
import type { SessionLog } from '../store/sessionLog.js';
import { describeStoreFailure, StoreError } from '../store/storeErrors.js';
import { captureObject, UnsendableCaptureError } from './captureObject.js';
import { dcmtkDicomDir, type DicomDirMaker, type DicomDirOutcome } from './dicomDir.js';
import type { Equipment } from './equipment.js';
import type { TrackedLesion } from './resultContent.js';
import { derivedUid } from './uid.js';

export interface DicomExportResult {
  written: string[];
  /** Withdrawn captures (retakes) stay out of a PACS. */
  withdrawn: number;
  /** Captures that cannot become a valid object, each in one sentence; no file is written for them. */
  refused: string[];
  dicomDir: DicomDirOutcome;
}

/**
 * A file or folder name a DICOM file set allows (PS3.10: up to 8 of A-Z, 0-9 and _): a letter, then
 * 7 base-36 digits of the id's sha256, so that the same capture always lands in the same place.
 */
export function fileSetName(prefix: 'S' | 'I', id: string): string {
  const digest = BigInt(`0x${createHash('sha256').update(id).digest('hex').slice(0, 16)}`);
  return prefix + digest.toString(36).toUpperCase().padStart(7, '0').slice(-7);
}

/**
 * Reads a logged capture's JPEG and builds the DICOM object of its current version (or of `version`, the
 * hash a sender already named it by): the same object by every route (export, each destination), since it
 * is read from the log alone. `logIdentity` is `log.identity()`, read once by the caller.
 */
export async function objectOf(
  log: SessionLog,
  logIdentity: string,
  session: Session,
  capture: Capture,
  appVersion: string,
  equipment?: Equipment,
  version: string | undefined = log.captureVersion(capture.id)?.hash,
): Promise<Uint8Array> {
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
  const position = log.capturePosition(capture);
  const lesion = trackedLesion(log, logIdentity, capture);
  return captureObject({ logIdentity, session, capture, jpeg, facts: { width, height, channels, isProgressive }, appVersion, version, position, lesion, equipment });
}

/** The lesion a capture follows, with a UID derived like the others: every capture of it, on any route, names the same. */
function trackedLesion(log: SessionLog, logIdentity: string, capture: Capture): TrackedLesion | undefined {
  const lesion = capture.lesion_id === null ? undefined : log.lesion(capture.lesion_id);
  return lesion && { label: lesion.label, uid: derivedUid(logIdentity, 'lesion', lesion.id) };
}

/**
 * Writes captures as a DICOM file set: `<dir>/DICOM/<session>/<capture>` (names from `fileSetName`),
 * each file private (0600) and whole or absent, indexed by `<dir>/DICOMDIR` where `makeDicomDir`
 * can make one. An existing file is replaced only with `replace`: the same capture always gives the
 * same object, so a second export changes nothing a PACS would see. A capture that cannot become a
 * valid object is left out and said why (`refused`); the others are written. The captures are taken
 * one at a time, so that they may come straight from the log (`iterateCaptures`).
 */
export async function writeDicomExport(
  log: SessionLog,
  dir: string,
  captures: Iterable<Capture>,
  { appVersion, equipment, replace = false, makeDicomDir = dcmtkDicomDir() }: { appVersion: string; equipment?: Equipment; replace?: boolean; makeDicomDir?: DicomDirMaker },
): Promise<DicomExportResult> {
  const sessions = new Map(log.sessions().map((session) => [session.id, session]));
  const logIdentity = log.identity();
  const written: string[] = [];
  const named = new Set<string>();
  const refused: string[] = [];
  let withdrawn = 0;
  for (const capture of captures) {
    if (capture.withdrawn_at) {
      withdrawn++;
      continue;
    }
    const folder = path.join(dir, 'DICOM', fileSetName('S', capture.session_id));
    const file = path.join(folder, fileSetName('I', capture.id));
    if (named.has(file)) throw new StoreError(`Capture ${capture.id} would get the file name ${file} of another capture; export them to different folders.`);
    named.add(file);
    let object: Uint8Array;
    try {
      object = await objectOf(log, logIdentity, sessions.get(capture.session_id)!, capture, appVersion, equipment);
    } catch (error) {
      if (!(error instanceof UnsendableCaptureError)) throw error;
      refused.push(error.message);
      continue;
    }
    await makeFolders(folder).catch((error: unknown) => {
      throw new StoreError(`The DICOM export was not written: ${describeStoreFailure(error, folder)}.`);
    });
    await writeExportFile(file, object, { replace });
    written.push(file);
  }
  return { written, withdrawn, refused, dicomDir: written.length > 0 ? await makeDicomDir(dir) : { made: false, why: 'no capture was written' } };
}
