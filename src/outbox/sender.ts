import { captureUids } from '../dicom/captureObject.js';
import { objectOf } from '../dicom/dicomExport.js';
import type { Equipment } from '../dicom/equipment.js';
import { rejectionNote, rejectionNoteUid } from '../dicom/rejectionNote.js';
import { UserError } from '../errors.js';
import { MAX_RETRY_DELAY_MS, type DeliveryOutcome } from '../store/outbox.js';
import type { SessionLog } from '../store/sessionLog.js';
import type { Destination } from './config.js';
import { cStoreSender } from './cStore.js';
import { briefReason, DeliveryError, Refusal, Unsendable, type ExchangeLimits, type SendObject } from './delivery.js';
import { stowRsSender } from './stowRs.js';

/** A destination with the way to send to it. */
export interface Route {
  destination: Destination;
  send: SendObject;
}

export const routeTo = (destination: Destination, limits?: ExchangeLimits): Route => ({
  destination,
  send: destination.kind === 'dicomweb' ? stowRsSender(destination, limits) : cStoreSender(destination, limits),
});

/** After the n-th failure in a row, the next try waits 10 s x 2^(n-1), at most 10 minutes. */
export function retryDelayMs(failures: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, failures - 1), MAX_RETRY_DELAY_MS);
}

export interface PassResult {
  sent: number;
  failed: number;
  /** Refused for good, now waiting for a person. */
  refused: number;
}

export interface PassOptions {
  appVersion: string;
  /** From the configuration: every object names this device. */
  equipment?: Equipment;
  ignoreBackoff?: boolean;
  limit?: number;
  now?: () => Date;
  /** Ends the pass at once, in-flight sends included; what was in flight is not recorded, and waits as before. */
  signal?: AbortSignal;
}

/** One pass over the outbox, each destination on its own, so that a slow or stuck one holds up no other. */
export async function deliverDue(log: SessionLog, routes: Route[], options: PassOptions): Promise<PassResult> {
  const results = await Promise.all(routes.map((route) => deliverTo(log, route, options)));
  return results.reduce((total, result) => ({ sent: total.sent + result.sent, failed: total.failed + result.failed, refused: total.refused + result.refused }), { sent: 0, failed: 0, refused: 0 });
}

/**
 * One pass for one destination: the captures whose current version it lacks, in capture order, one at a time,
 * then the rejection notes it is owed (for the versions it held before, and for captures since withdrawn), until
 * one fails (a destination that is down is not asked again in this pass). A refused object waits for a person
 * and the others go on. Every attempt is recorded in the log, so a restart, or kill -9, loses nothing: what was
 * not recorded as sent is sent again, and a resend is the same object (same SOP Instance UID).
 */
export async function deliverTo(log: SessionLog, route: Route, options: PassOptions): Promise<PassResult> {
  const { ignoreBackoff = false, limit = 50, signal = new AbortController().signal } = options;
  const logIdentity = log.identity();
  const sessions = new Map(log.sessions().map((session) => [session.id, session]));
  const sessionOf = (id: string) => sessions.get(id) ?? log.session(id)!; // a session begun during the pass
  const objects: Outgoing[] = log.dueForDelivery(route.destination.name, limit, { ignoreBackoff }).map((capture) => {
    const session = sessionOf(capture.session_id);
    const version = capture.version_hash ?? undefined;
    const target = { id: capture.id, sopInstanceUid: captureUids(logIdentity, session, capture, version, options.equipment).instance, versionSeq: capture.version_seq ?? 0 };
    return {
      capture,
      sopInstanceUid: target.sopInstanceUid,
      // the version this pass names, so that the object holds the UID it is sent under
      make: () => objectOf(log, logIdentity, session, capture, options.appVersion, options.equipment, version),
      record: (outcome) => log.recordDelivery(target, route.destination.name, outcome),
    };
  });
  const result = await sendEach(objects, route, options);
  if (result.failed > 0 || signal.aborted) return result;
  const notes: Outgoing[] = log.owedRejections(route.destination.name, limit, { ignoreBackoff }).map((capture) => {
    const session = sessionOf(capture.session_id);
    return {
      capture,
      sopInstanceUid: rejectionNoteUid(logIdentity, capture.rejected_uid),
      make: async () => rejectionNote({ logIdentity, session, capture, rejectedUid: capture.rejected_uid }),
      record: (outcome) => log.recordRejection({ captureId: capture.id, rejectedUid: capture.rejected_uid }, route.destination.name, outcome),
    };
  });
  const retracted = await sendEach(notes, route, options);
  return { sent: result.sent + retracted.sent, failed: retracted.failed, refused: result.refused + retracted.refused };
}

/** An object to send: a capture's version or a rejection note, how to make it, and how to record an attempt. */
interface Outgoing {
  capture: { id: string; delivery_attempts: number };
  sopInstanceUid: string;
  make: () => Promise<Uint8Array>;
  record: (outcome: DeliveryOutcome) => Promise<void>;
}

async function sendEach(objects: Outgoing[], { destination, send }: Route, { now = () => new Date(), signal = new AbortController().signal }: PassOptions): Promise<PassResult> {
  const result = { sent: 0, failed: 0, refused: 0 };
  for (const { capture, sopInstanceUid, make, record } of objects) {
    if (signal.aborted) break;
    // a capture that cannot be made into an object (or one ready for this destination) waits for a person; an UnsendableCaptureError is already one sentence
    const unmade = (error: unknown) => (error instanceof UserError ? error.message : `Capture ${capture.id} could not be made into a DICOM object (${briefReason(error)}).`);
    const putAside = async (sentence: string) => {
      await record({ state: 'refused', error: sentence });
      result.refused++;
    };
    let object;
    try {
      object = await make();
    } catch (error) {
      if (signal.aborted) break;
      await putAside(unmade(error));
      continue;
    }
    let stored;
    try {
      stored = await send(object, sopInstanceUid, signal);
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof Unsendable || error instanceof Refusal) {
        await putAside(error instanceof Unsendable ? unmade(error) : error.message);
        continue;
      }
      // any other fault while sending is this try's, not the picture's: it waits, and is tried again
      const why = error instanceof DeliveryError ? error.message : `Sending to the destination "${destination.name}" failed unexpectedly (${briefReason(error)}), so the picture waits to be tried again.`;
      await record({ state: 'failed', error: why, nextTryAt: new Date(now().getTime() + retryDelayMs(capture.delivery_attempts + 1)) });
      result.failed++;
      break;
    }
    await record({ state: 'stored', warning: stored.warning });
    result.sent++;
  }
  return result;
}
