import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { DicomWebDestination } from './config.js';
import { DeliveryError, describeNetworkFailure, type SendObject } from './delivery.js';
import { readStowReply } from './stowReply.js';

/** Limits on one STOW-RS exchange: a reply is a small DICOM JSON or XML document, and nothing may wait without end. */
export interface ExchangeLimits {
  /** The whole exchange: connecting, posting, and reading the reply to its end. */
  timeoutMs?: number;
  maxReplyBytes?: number;
}

/** The system's trusted root certificates and the destination's own: Node's `ca` option replaces the roots, where the file is meant to add to them. */
export function trustedCertificates(ca: Buffer): string[] {
  return [...tls.rootCertificates, ca.toString('utf8')];
}

/** DICOMweb STOW-RS: one object per POST to `<url>/studies`, as multipart/related. */
export function stowRsSender(destination: DicomWebDestination, { timeoutMs = 30_000, maxReplyBytes = 1 << 20 }: ExchangeLimits = {}): SendObject {
  const root = destination.url.href.endsWith('/') ? destination.url.href : `${destination.url.href}/`;
  const target = new URL('studies', root);
  const where = target.host;
  return (object, sopInstanceUid, signal) =>
    new Promise((resolve, reject) => {
      const boundary = `dermacam-${randomUUID()}`;
      const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), object, Buffer.from(`\r\n--${boundary}--\r\n`)]);
      const options: https.RequestOptions = {
        method: 'POST',
        headers: {
          'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
          Accept: 'application/dicom+json, application/dicom+xml;q=0.9',
          'Content-Length': body.length,
          ...(destination.authorization ? { Authorization: destination.authorization } : {}),
        },
        // a connection of its own, closed after the reply: nothing idles in a pool to keep the process alive after q
        agent: false,
        ...(destination.ca ? { ca: trustedCertificates(destination.ca) } : {}),
      };
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal.removeEventListener('abort', abort);
        request.destroy();
        outcome();
      };
      const abort = () => settle(() => reject(signal.reason));
      // a timer of its own: AbortSignal.timeout is held weakly, and a garbage collection meanwhile would leave no deadline at all
      const deadline = setTimeout(() => settle(() => reject(new DeliveryError(`${where} did not finish its reply within ${timeoutMs / 1000} s.`))), timeoutMs);
      const request = (target.protocol === 'https:' ? https : http).request(target, options, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxReplyBytes) settle(() => reject(new DeliveryError(`${where} sent a reply of more than ${maxReplyBytes >> 10} KiB, which is not a STOW-RS response.`)));
          else chunks.push(chunk);
        });
        response.on('error', (error) => settle(() => reject(new DeliveryError(describeNetworkFailure(error, where)))));
        response.on('end', () =>
          settle(() => {
            try {
              const reply = { status: response.statusCode ?? 0, statusMessage: response.statusMessage, contentType: response.headers['content-type'], body: Buffer.concat(chunks) };
              resolve(readStowReply(reply, sopInstanceUid, where));
            } catch (error) {
              reject(error);
            }
          }),
        );
      });
      request.on('error', (error) => settle(() => reject(new DeliveryError(describeNetworkFailure(error, where)))));
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort);
      request.end(body);
    });
}
