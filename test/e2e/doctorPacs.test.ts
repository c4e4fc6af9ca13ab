import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE } from '../../src/outbox/config.js';
import { pacsChecks } from '../../src/outbox/pacsChecks.js';
import { runCli } from '../helpers/cli.js';
import { startFakePacs } from '../helpers/fakePacs.js';
import { TestOrthanc } from '../helpers/orthanc.js';

/** A port that was just let go, where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function configFile(destinations: unknown[]): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-doctor-pacs-')), CONFIG_FILE);
  writeFileSync(file, JSON.stringify({ destinations }), { mode: 0o600 });
  return file;
}

describe("doctor's PACS checks", () => {
  let orthanc: TestOrthanc;
  beforeAll(async () => {
    orthanc = await TestOrthanc.create();
  });
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('gives a line per destination: a C-ECHO to C-STORE ones and a DICOMweb query to STOW-RS ones, against a real Orthanc and a closed port', async () => {
    const closed = await closedPort();
    const cstore = { host: '127.0.0.1', port: orthanc.dicomPort, calledAe: orthanc.aeTitle, callingAe: 'DERMACAM' };
    const file = configFile([
      { name: 'web', dicomweb: { url: orthanc.dicomWebUrl } },
      { name: 'dimse', cstore },
      { name: 'wrong-ae', cstore: { ...cstore, calledAe: 'NOT-ORTHANC' } },
      { name: 'web-closed', dicomweb: { url: `http://127.0.0.1:${closed}/dicom-web` } },
      { name: 'dimse-closed', cstore: { ...cstore, port: closed } },
      { name: 'web-wrong-path', dicomweb: { url: `http://127.0.0.1:${orthanc.httpPort}/not-dicom-web` } },
    ]);
    expect(await pacsChecks(file)).toEqual([
      { name: 'pacs web', status: 'ok', detail: `the DICOMweb root at 127.0.0.1:${orthanc.httpPort} answers a query (HTTP 200): the url, trust and credentials work` },
      { name: 'pacs dimse', status: 'ok', detail: `${orthanc.aeTitle}@127.0.0.1:${orthanc.dicomPort} answers a C-ECHO` },
      { name: 'pacs wrong-ae', status: 'fail', detail: `NOT-ORTHANC@127.0.0.1:${orthanc.dicomPort} refused the association: check the AE titles ("DERMACAM" calling "NOT-ORTHANC")` },
      { name: 'pacs web-closed', status: 'fail', detail: `Nothing answers at 127.0.0.1:${closed} (connection refused)` },
      { name: 'pacs dimse-closed', status: 'fail', detail: `Nothing answers at ${orthanc.aeTitle}@127.0.0.1:${closed} (connection refused)` },
      { name: 'pacs web-wrong-path', status: 'fail', detail: `the DICOMweb root at 127.0.0.1:${orthanc.httpPort} has no DICOMweb service at that path (HTTP 404); check the url` },
    ]);
  });

  it("sends the destination's credentials, keeps to the sender's limits, and fails a refusal of the credentials", async () => {
    const pacs = await startFakePacs((request, response) => {
      if (request.headers.authorization !== 'Bearer t0ken') return response.writeHead(401).end();
      response.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      response.write('['); // and never ends
    });
    try {
      const tokenFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-doctor-token-')), 'token');
      writeFileSync(tokenFile, 't0ken\n', { mode: 0o600 });
      const file = configFile([
        { name: 'wrong-token', dicomweb: { url: pacs.url, token: 'nope' } },
        { name: 'dripping', dicomweb: { url: pacs.url, tokenFile } },
      ]);
      const started = Date.now();
      expect(await pacsChecks(file, { limits: { timeoutMs: 500 } })).toEqual([
        { name: 'pacs wrong-token', status: 'fail', detail: `the DICOMweb root at 127.0.0.1:${pacs.port} refuses the credentials (HTTP 401); check "user" and "password", or "token"` },
        { name: 'pacs dripping', status: 'fail', detail: `127.0.0.1:${pacs.port} did not finish its reply within 0.5 s` },
      ]);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(pacs.requests[0]!.url).toMatch(/^\/dicom-web\/studies\?StudyInstanceUID=2\.25\.\d+$/); // a study no one has: no patient's data comes back
    } finally {
      await pacs.close();
    }
  });

  it('says ready only where the configuration is one the app takes', async () => {
    const broken = configFile([{ name: 'remote', dicomweb: { url: 'http://pacs.example.org/dicom-web' } }]);
    expect(await pacsChecks(broken)).toEqual([
      { name: 'pacs', status: 'fail', detail: 'The destination "remote" sends over plain http to pacs.example.org; use https (plain http is allowed to this machine only)' },
    ]);
    const none = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-doctor-none-')), CONFIG_FILE);
    expect(await pacsChecks(none)).toEqual([{ name: 'pacs', status: 'absent', detail: `no destinations configured (${none})` }]);
    expect((await pacsChecks(none, { required: true }))[0]).toMatchObject({ name: 'pacs', status: 'fail' });

    const dataDir = path.dirname(broken);
    const doctor = await runCli(['doctor', '--data-dir', dataDir]);
    expect(doctor.stdout).toMatch(/^FAIL {2}pacs {10}The destination "remote" sends over plain http/m);
    expect(doctor.stdout.trim().split('\n').at(-1)).toMatch(/^Verdict: NOT READY: fix .*\bpacs\b/);
    expect(doctor.code).toBe(1);
  });
});
