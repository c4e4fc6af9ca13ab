import { captureUids } from '../dicom/captureObject.js';
import { objectOf } from '../dicom/dicomExport.js';
import { UserError } from '../errors.js';
import type { SessionLog } from '../store/sessionLog.js';
import type { Destination } from './config.js';
import { cStoreSender } from './cStore.js';
import { DeliveryError, type SendObject } from './delivery.js';
import { stowRsSender } from './stowRs.js';

/** A destination with the way to send to it. */
export interface Route {
  destination: Destination;
  send: SendObject;
}

export const routeTo = (destination: Destination, options?: { timeoutMs?: number }): Route => ({
  destination,
  send: destination.kind === 'dicomweb' ? stowRsSender(destination, options) : cStoreSender(destination, options),
});

/** After the n-th failure in a row, the next try waits 10 s x 2^(n-1), at most 10 minutes. */
export function retryDelayMs(failures: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, failures - 1), 10 * 60_000);
}

export interface PassResult {
  sent: number;
  failed: number;
}

/**
 * One pass over the outbox: each destination gets the captures due for it, oldest first, one at a
 * time, until one fails (a destination that is down is not asked again in this pass). Every
 * attempt is recorded in the log, so a restart, or kill -9, loses nothing: what was not recorded
 * as sent is sent again, and a resend is the same object (same SOP Instance UID).
 */
export async function deliverDue(
  log: SessionLog,
  routes: Route[],
  { appVersion, ignoreBackoff = false, limit = 50, now = () => new Date() }: { appVersion: string; ignoreBackoff?: boolean; limit?: number; now?: () => Date },
): Promise<PassResult> {
  const result = { sent: 0, failed: 0 };
  const logIdentity = log.identity();
  const sessions = new Map(log.sessions().map((session) => [session.id, session]));
  for (const { destination, send } of routes) {
    for (const capture of log.dueForDelivery(destination.name, limit, { ignoreBackoff })) {
      const session = sessions.get(capture.session_id) ?? log.session(capture.session_id)!; // a session begun during the pass
      const sopInstanceUid = captureUids(logIdentity, session, capture).instance;
      try {
        await send(await objectOf(log, logIdentity, session, capture, appVersion), sopInstanceUid);
      } catch (error) {
        const failures = capture.delivery_attempts + 1;
        // a DeliveryError or an UnsendableCaptureError is already one sentence for the status line
        const why = error instanceof DeliveryError || error instanceof UserError ? error.message : `Capture ${capture.id} could not be made into a DICOM object (${(error as Error).message}).`;
        await log.recordDelivery({ id: capture.id, sopInstanceUid }, destination.name, { sent: false, error: why, nextTryAt: new Date(now().getTime() + retryDelayMs(failures)) });
        result.failed++;
        break;
      }
      await log.recordDelivery({ id: capture.id, sopInstanceUid }, destination.name, { sent: true });
      result.sent++;
    }
  }
  return result;
}
