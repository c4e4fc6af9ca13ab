import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { DicomWebDestination } from './config.js';
import { DEFAULT_EXCHANGE_LIMITS, DeliveryError, describeNetworkFailure, type ExchangeLimits } from './delivery.js';

export interface HttpReply {
  status: number;
  statusMessage?: string;
  contentType?: string;
  body: Buffer;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** A path under the destination's root, e.g. `studies`. */
  path: string;
  headers: http.OutgoingHttpHeaders;
  body?: Buffer;
  /** What the reply should be, for the sentence that refuses an oversized one ("a STOW-RS response"). */
  expected: string;
}

/** The system's trusted root certificates and the destination's own: Node's `ca` option replaces the roots, where the file is meant to add to them. */
export function trustedCertificates(ca: Buffer): string[] {
  return [...tls.rootCertificates, ca.toString('utf8')];
}

/** `path` under the destination's url, which counts as a folder whether or not it ends in a slash. */
function underRoot(destination: DicomWebDestination, path: string): URL {
  const root = destination.url.href.endsWith('/') ? destination.url.href : `${destination.url.href}/`;
  return new URL(path, root);
}

/**
 * One request to a DICOMweb destination, with its credentials and trust, on a connection of its own.
 * Resolves with the whole reply; rejects with a DeliveryError in one sentence (deadline, oversized
 * reply, network or TLS failure), or with `signal`'s reason on its abort.
 */
export function httpExchange(destination: DicomWebDestination, request: HttpRequest, limits: ExchangeLimits = {}, signal?: AbortSignal): Promise<HttpReply> {
  const { timeoutMs = DEFAULT_EXCHANGE_LIMITS.timeoutMs, maxReplyBytes = DEFAULT_EXCHANGE_LIMITS.maxReplyBytes } = limits;
  const target = underRoot(destination, request.path);
  const where = destination.url.host;
  const options: https.RequestOptions = {
    method: request.method,
    headers: {
      ...request.headers,
      ...(request.body ? { 'Content-Length': request.body.length } : {}),
      ...(destination.authorization ? { Authorization: destination.authorization } : {}),
    },
    // a connection of its own, closed after the reply: nothing idles in a pool to keep the process alive after q
    agent: false,
    ...(destination.ca ? { ca: trustedCertificates(destination.ca) } : {}),
  };
  return new Promise((resolve, reject) => {
    let outgoing: http.ClientRequest | undefined;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', abort);
      outgoing?.destroy();
      outcome();
    };
    const fail = (sentence: string) => settle(() => reject(new DeliveryError(sentence)));
    const abort = () => settle(() => reject(signal!.reason));
    // a timer of its own: AbortSignal.timeout is held weakly, and a garbage collection meanwhile would leave no deadline at all
    const deadline = setTimeout(() => fail(`${where} did not finish its reply within ${timeoutMs / 1000} s.`), timeoutMs);
    try {
      outgoing = (target.protocol === 'https:' ? https : http).request(target, options, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxReplyBytes) fail(`${where} sent a reply of more than ${maxReplyBytes >> 10} KiB, which is not ${request.expected}.`);
          else chunks.push(chunk);
        });
        response.on('error', (error) => fail(describeNetworkFailure(error, where)));
        response.on('end', () =>
          settle(() => resolve({ status: response.statusCode ?? 0, statusMessage: response.statusMessage, contentType: response.headers['content-type'], body: Buffer.concat(chunks) })),
        );
      });
    } catch (error) {
      // Node refuses a header it cannot send (ERR_INVALID_CHAR) at once, before there is a request to destroy
      return fail(describeNetworkFailure(error as Error, where));
    }
    outgoing.on('error', (error) => fail(describeNetworkFailure(error, where)));
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort);
    outgoing.end(request.body);
  });
}
