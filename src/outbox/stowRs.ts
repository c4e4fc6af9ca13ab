import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { DicomWebDestination } from './config.js';
import { DeliveryError, describeNetworkFailure, type SendObject } from './delivery.js';

/** DICOMweb STOW-RS: one object per POST to `<url>/studies`, as multipart/related. */
export function stowRsSender(destination: DicomWebDestination, { timeoutMs = 30_000 } = {}): SendObject {
  const root = destination.url.href.endsWith('/') ? destination.url.href : `${destination.url.href}/`;
  const target = new URL('studies', root);
  const where = target.host;
  return (object, sopInstanceUid) =>
    new Promise((resolve, reject) => {
      const boundary = `dermacam-${randomUUID()}`;
      const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), object, Buffer.from(`\r\n--${boundary}--\r\n`)]);
      const options = {
        method: 'POST',
        headers: {
          'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
          Accept: 'application/dicom+json',
          'Content-Length': body.length,
        },
        timeout: timeoutMs,
        ...(destination.ca ? { ca: destination.ca } : {}),
      };
      const request = (target.protocol === 'https:' ? https : http).request(target, options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => reject(new DeliveryError(describeNetworkFailure(error, where))));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status !== 200) {
            reject(new DeliveryError(`${where} refused the picture (HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}).`));
            return;
          }
          const failed = failedInstances(Buffer.concat(chunks).toString('utf8'));
          if (failed.includes(sopInstanceUid)) reject(new DeliveryError(`${where} answered that it did not store the picture.`));
          else resolve();
        });
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      request.on('error', (error) => reject(new DeliveryError(describeNetworkFailure(error, where))));
      request.end(body);
    });
}

/** The SOP Instance UIDs listed in a STOW-RS answer's Failed SOP Sequence (0008,1198). */
function failedInstances(answer: string): string[] {
  try {
    const items = (JSON.parse(answer) as Record<string, { Value?: Record<string, { Value?: string[] }>[] }>)['00081198']?.Value ?? [];
    return items.flatMap((item) => item['00081155']?.Value ?? []);
  } catch {
    return []; // an answer that is not JSON says nothing about failures; the status said stored
  }
}
