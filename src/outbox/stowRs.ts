import { randomUUID } from 'node:crypto';
import type { DicomWebDestination } from './config.js';
import type { ExchangeLimits, SendObject } from './delivery.js';
import { httpExchange } from './httpExchange.js';
import { readStowReply } from './stowReply.js';

/** DICOMweb STOW-RS: one object per POST to `<url>/studies`, as multipart/related. */
export function stowRsSender(destination: DicomWebDestination, limits: ExchangeLimits = {}): SendObject {
  return async (object, sopInstanceUid, signal) => {
    const boundary = `dermacam-${randomUUID()}`;
    const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), object, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const reply = await httpExchange(
      destination,
      {
        method: 'POST',
        path: 'studies',
        headers: {
          'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
          Accept: 'application/dicom+json, application/dicom+xml;q=0.9',
        },
        body,
        expected: 'a STOW-RS response',
      },
      limits,
      signal,
    );
    return readStowReply(reply, sopInstanceUid, destination.url.host);
  };
}
