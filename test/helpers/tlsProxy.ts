import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:https';
import os from 'node:os';
import path from 'node:path';

/**
 * HTTPS in front of an HTTP server on loopback, with a self-signed certificate for 127.0.0.1 made
 * by openssl: a PACS behind a TLS-terminating proxy, as clinics often run one. (Debian's Orthanc
 * crashes on its first HTTPS request with its own SslEnabled here, so the tests put TLS in front.)
 */
export async function startTlsProxy(targetPort: number): Promise<{ port: number; certificate: Buffer; close: () => Promise<void> }> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'dermacam-tls-'));
  const [keyFile, certificateFile] = [path.join(folder, 'key.pem'), path.join(folder, 'certificate.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certificateFile], { stdio: 'ignore' });
  const certificate = readFileSync(certificateFile);
  const server = createServer({ key: readFileSync(keyFile), cert: certificate }, (incoming, outgoing) => {
    const forwarded = request({ host: '127.0.0.1', port: targetPort, path: incoming.url, method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, certificate, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
