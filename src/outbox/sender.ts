import { captureUids } from '../dicom/captureObject.js';
import { objectOf } from '../dicom/dicomExport.js';
import { UserError } from '../errors.js';
import { MAX_RETRY_DELAY_MS } from '../store/outbox.js';
import type { SessionLog } from '../store/sessionLog.js';
import type { Destination } from './config.js';
import { cStoreSender } from './cStore.js';
import { DeliveryError, Refusal, type SendObject } from './delivery.js';
import { stowRsSender, type ExchangeLimits } from './stowRs.js';

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
 * One pass for one destination: the captures due for it, in capture order, one at a time, until one fails (a
 * destination that is down is not asked again in this pass). A refused capture waits for a person and the
 * others go on. Every attempt is recorded in the log, so a restart, or kill -9, loses nothing: what was not
 * recorded as sent is sent again, and a resend is the same object (same SOP Instance UID).
 */
export async function deliverTo(
  log: SessionLog,
  { destination, send }: Route,
  { appVersion, ignoreBackoff = false, limit = 50, now = () => new Date(), signal = new AbortController().signal }: PassOptions,
): Promise<PassResult> {
  const result = { sent: 0, failed: 0, refused: 0 };
  const logIdentity = log.identity();
  for (const capture of log.dueForDelivery(destination.name, limit, { ignoreBackoff })) {
    if (signal.aborted) break;
    const session = log.session(capture.session_id)!;
    const sopInstanceUid = captureUids(logIdentity, session, capture).instance;
    let stored;
    try {
      stored = await send(await objectOf(log, logIdentity, session, capture, appVersion), sopInstanceUid, signal);
    } catch (error) {
      if (signal.aborted) break;
      const target = { id: capture.id, sopInstanceUid };
      if (error instanceof Refusal || !(error instanceof DeliveryError)) {
        // an UnsendableCaptureError is already one sentence; a capture that cannot be made into an object waits for a person too
        const why = error instanceof UserError || error instanceof DeliveryError ? error.message : `Capture ${capture.id} could not be made into a DICOM object (${(error as Error).message}).`;
        await log.recordDelivery(target, destination.name, { state: 'refused', error: why });
        result.refused++;
        continue;
      }
      const nextTryAt = new Date(now().getTime() + retryDelayMs(capture.delivery_attempts + 1));
      await log.recordDelivery(target, destination.name, { state: 'failed', error: error.message, nextTryAt });
      result.failed++;
      break;
    }
    await log.recordDelivery({ id: capture.id, sopInstanceUid }, destination.name, { state: 'stored', warning: stored.warning });
    result.sent++;
  }
  return result;
}
