import { escapeControlCharacters } from '../text.js';

/** Limits on one exchange with a destination, DICOMweb or DIMSE: its answers are small, and nothing may wait without end. */
export interface ExchangeLimits {
  /** The whole exchange: connecting, sending, and reading the answer to its end. */
  timeoutMs?: number;
  /** All the destination may send in answer: its answers to a store, a query or an echo take a few hundred bytes. */
  maxReplyBytes?: number;
}

/** Every exchange's limits unless a caller sets its own: 30 s, and 1 MiB of answer. */
export const DEFAULT_EXCHANGE_LIMITS: Required<ExchangeLimits> = { timeoutMs: 30_000, maxReplyBytes: 1 << 20 };

/** What a destination said on storing an object: nothing more, or a warning worth keeping. */
export interface Stored {
  warning?: string;
}

/**
 * Sends one DICOM object (a Part 10 file's bytes) and resolves once the destination has stored it.
 * Rejects with a DeliveryError (or a Refusal) in one sentence, or on `signal`'s abort.
 */
export type SendObject = (object: Uint8Array, sopInstanceUid: string, signal: AbortSignal) => Promise<Stored>;

/** Why a picture did not reach a destination this time, in one sentence for the status line; it is tried again later. */
export class DeliveryError extends Error {}

/** The destination refused the picture for good: trying it again unchanged would give the same answer. */
export class Refusal extends DeliveryError {}

/** The object could not be made ready for this destination, its message the reason: like a capture that cannot be made into an object, it waits for a person. */
export class Unsendable extends Error {}

/** An unexpected error's reason for a sentence: its message's first line, with control characters escaped. */
export function briefReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return escapeControlCharacters(message.split('\n')[0]!.trim());
}

const TLS_FAILURE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/;

/** A socket or TLS failure as one sentence naming where it went. */
export function describeNetworkFailure(error: Error, where: string): string {
  // dcmjs-dimse passes the socket's failure on as a message only
  const code = (error as NodeJS.ErrnoException).code ?? /\b(E[A-Z]{4,})\b/.exec(error.message)?.[1] ?? '';
  if (code === 'ECONNREFUSED') return `Nothing answers at ${where} (connection refused).`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `The host of ${where} is not found (DNS).`;
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return `${where} did not answer in time.`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${where} cannot be reached from this network.`;
  if (code === 'ECONNRESET' || code === 'EPIPE') return `${where} closed the connection.`;
  if (TLS_FAILURE.test(code) || TLS_FAILURE.test(error.message)) return `The TLS certificate of ${where} was not accepted (${code || error.message}); check the destination's "ca" file.`;
  return `Sending to ${where} failed (${code || error.message}).`;
}
