import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A local HTTP server standing in for a PACS, a proxy or a broken one: `answer` replies to each request
 * (after its body was read) however the test likes, slowly or without end included.
 */
export async function startFakePacs(answer: (request: FakeRequest, response: http.ServerResponse) => void) {
  const requests: FakeRequest[] = [];
  const server = http.createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request = { method: incoming.method!, url: incoming.url!, headers: incoming.headers, body: Buffer.concat(chunks) };
      requests.push(request);
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/dicom-web`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A STOW-RS response in DICOM JSON naming `stored` instances (with a Warning Reason where given) and `failed` ones with a Failure Reason. */
export function stowJson({ stored = [], failed = [] }: { stored?: { uid: string; warning?: number }[]; failed?: { uid: string; reason: number }[] }): string {
  const item = (uid: string, tag: string, reason?: number) => ({
    '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.77.1.4'] },
    '00081155': { vr: 'UI', Value: [uid] },
    ...(reason === undefined ? {} : { [tag]: { vr: 'US', Value: [reason] } }),
  });
  return JSON.stringify({
    ...(stored.length > 0 ? { '00081199': { vr: 'SQ', Value: stored.map(({ uid, warning }) => item(uid, '00081196', warning)) } } : {}),
    ...(failed.length > 0 ? { '00081198': { vr: 'SQ', Value: failed.map(({ uid, reason }) => item(uid, '00081197', reason)) } } : {}),
  });
}

/** The SOP Instance UID (0008,0018) of the DICOM object posted in `body` (explicit VR little endian). */
export function sopInstanceUidIn(body: Buffer): string | undefined {
  const at = body.indexOf(Buffer.from([0x08, 0x00, 0x18, 0x00, 0x55, 0x49]));
  if (at < 0) return undefined;
  const length = body.readUInt16LE(at + 6);
  return body.subarray(at + 8, at + 8 + length).toString('latin1').replace(/\0+$/, '');
}
