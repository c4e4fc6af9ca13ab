import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUids, patientId } from '../../src/dicom/captureObject.js';
import { CONFIG_FILE } from '../../src/outbox/config.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { SAMPLE_RESULT } from '../helpers/captureResult.js';
import { runCli } from '../helpers/cli.js';
import { TestOrthanc } from '../helpers/orthanc.js';
import { sopInstanceUidIn, startFakePacs, stowJson } from '../helpers/fakePacs.js';
import { startFakeScp } from '../helpers/fakeScp.js';
import { startTlsProxy } from '../helpers/tlsProxy.js';
import { tmuxSession } from '../helpers/tmuxSession.js';
import { eventually } from '../ui/helpers.js';
import { CLI, FIXTURES } from '../helpers/paths.js';

const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.jpg')).map((name) => readFileSync(path.join(FIXTURES, name)));

/** A Pi's data folder: its log, and a config naming one destination (of mode 0600, as one with a password in its url must be). */
function dataFolder(destination: Record<string, unknown>): string {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-outbox-'));
  writeFileSync(path.join(dataDir, CONFIG_FILE), JSON.stringify({ destinations: [destination] }), { mode: 0o600 });
  return dataDir;
}

async function addCaptures(dataDir: string, count: number, patientRef: string): Promise<void> {
  const log = await SessionLog.open(dataDir);
  const session = log.sessions().at(-1) ?? (await log.startSession('e2e', patientRef));
  for (let i = 0; i < count; i++) await log.addCapture(session.id, fixtures[i % fixtures.length]!, { ...SAMPLE_RESULT, p_malignant: i / 100 });
  await log.close();
}

/** How many of a folder's captures its log records as sent to `destination`. */
async function sentTo(dataDir: string, destination: string): Promise<number> {
  const log = await SessionLog.openForReading(dataDir);
  try {
    return log.deliveryStatus(destination).sent;
  } finally {
    await log.close();
  }
}

const outbox = (dataDir: string, ...flags: string[]) => runCli(['outbox', ...flags, '--data-dir', dataDir], { timeoutMs: 120_000 });

describe('the outbox, sending to a real Orthanc', () => {
  let orthanc: TestOrthanc;
  beforeAll(async () => {
    orthanc = await TestOrthanc.create();
  });
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('delivers 20 captures by STOW-RS and 20 by C-STORE exactly once, across a PACS that stops, a killed sender and a restart', async () => {
    const web = dataFolder({ name: 'pacs-web', dicomweb: { url: orthanc.dicomWebUrl } });
    const dimse = dataFolder({ name: 'pacs-dimse', cstore: { host: '127.0.0.1', port: orthanc.dicomPort, calledAe: orthanc.aeTitle, callingAe: 'DERMACAM-2' } });
    await addCaptures(web, 10, 'PT-WEB');
    await addCaptures(dimse, 10, 'PT-DIMSE');
    for (const dataDir of [web, dimse]) expect((await outbox(dataDir, '--retry')).stdout).toMatch(/: 10 sent, 0 waiting\.$/m);

    await orthanc.stop();
    await addCaptures(web, 10, 'PT-WEB');
    await addCaptures(dimse, 10, 'PT-DIMSE');
    for (const dataDir of [web, dimse]) {
      const down = await outbox(dataDir, '--retry');
      expect(down.code).toBe(1);
      expect(down.stdout).toMatch(/: 10 sent, 10 waiting\. Last failure: Nothing answers at \S+ \(connection refused\)\. Next try /);
    }

    await orthanc.start();
    // a sender killed in the middle of its work, once it has sent some: whatever it had not recorded as sent goes
    // again, as the same object
    const killed = spawn(process.execPath, [CLI, 'outbox', '--retry', '--data-dir', dimse], { stdio: 'ignore' });
    await expect.poll(() => sentTo(dimse, 'pacs-dimse'), { timeout: 60_000, interval: 20 }).toBeGreaterThan(10);
    killed.kill('SIGKILL');
    for (const dataDir of [web, dimse]) {
      const up = await outbox(dataDir, '--retry');
      expect(up.stdout, up.stderr).toMatch(/: 20 sent, 0 waiting\.$/m);
      expect(up.code).toBe(0);
    }
    expect((await outbox(web)).stdout).toMatch(/pacs-web \(STOW-RS http:\/\/127\.0\.0\.1:\d+\/dicom-web\): 20 sent, 0 waiting\./);

    const instances = (await orthanc.rest('/instances')) as string[];
    expect(instances).toHaveLength(40);
    const stored = new Map<string, string>();
    for (const id of instances) stored.set(((await orthanc.rest(`/instances/${id}`)) as { MainDicomTags: { SOPInstanceUID: string } }).MainDicomTags.SOPInstanceUID, id);
    for (const dataDir of [web, dimse]) {
      const log = await SessionLog.openForReading(dataDir);
      for (const capture of log.captures()) {
        const session = log.session(capture.session_id)!;
        const id = stored.get(captureUids(log.identity(), session, capture).instance);
        expect(id, capture.id).toBeDefined();
        const tags = (await orthanc.rest(`/instances/${id}/simplified-tags`)) as Record<string, string>;
        expect(tags).toMatchObject({ PatientID: patientId(session), Modality: 'XC', SOPClassUID: '1.2.840.10008.5.1.4.1.1.77.1.4' });
        // the result travels with the picture (read raw: Orthanc leaves long values out of its tag summaries)
        expect(((await orthanc.rest(`/instances/${id}/content/0020-4000`, true)) as Buffer).toString()).toContain(`p(malignant) ${(100 * capture.p_malignant!).toFixed(1)}%`);
        const pixels = (await orthanc.rest(`/instances/${id}/frames/0/raw`, true)) as Buffer;
        const jpeg = readFileSync(path.join(dataDir, capture.image_path));
        // the logged JPEG byte for byte; DICOM pads a value of odd length with one zero byte after the JPEG's end
        expect(pixels.equals(jpeg.length % 2 === 0 ? jpeg : Buffer.concat([jpeg, Buffer.from([0])])), capture.id).toBe(true);
      }
      await log.close();
    }
  });

  it('sends by STOW-RS over HTTPS where the "ca" file vouches for the certificate, and says in a sentence when none does', async () => {
    const proxy = await startTlsProxy(orthanc.httpPort);
    try {
      const url = `https://127.0.0.1:${proxy.port}/dicom-web`;
      const dataDir = dataFolder({ name: 'pacs-tls', dicomweb: { url } });
      await addCaptures(dataDir, 1, 'PT-TLS');
      const refused = await outbox(dataDir, '--retry');
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/The TLS certificate of .*127\.0\.0\.1.* was not accepted \(.+\); check the destination's "ca" file\./);
      expect(refused.stdout).toMatch(/: 0 sent, 1 waiting\./);

      writeFileSync(path.join(dataDir, 'pacs-ca.pem'), proxy.certificate);
      writeFileSync(path.join(dataDir, CONFIG_FILE), JSON.stringify({ destinations: [{ name: 'pacs-tls', dicomweb: { url, ca: 'pacs-ca.pem' } }] }));
      const sent = await outbox(dataDir, '--retry');
      expect(sent.code).toBe(0);
      expect(sent.stdout).toMatch(/^pacs-tls \(STOW-RS https:.*\): 1 sent, 0 waiting\.$/m);
      const patients = (await orthanc.rest('/patients?expand')) as { MainDicomTags: { PatientID: string } }[];
      expect(patients.map((patient) => patient.MainDicomTags.PatientID)).toContain('PT-TLS');
    } finally {
      await proxy.close();
    }
  });

  it('says in one sentence why a wrong AE title or a refused STOW-RS post did not deliver, and keeps the capture waiting', async () => {
    const cases = [
      [{ name: 'wrong-ae', cstore: { host: '127.0.0.1', port: orthanc.dicomPort, calledAe: 'NOT-ORTHANC', callingAe: 'DERMACAM' } }, /refused the association: check the AE titles \("DERMACAM" calling "NOT-ORTHANC"\)\./],
      [{ name: 'wrong-path', dicomweb: { url: `http://127.0.0.1:${orthanc.httpPort}/no-such-root` } }, /refused the picture \(HTTP 404 Not Found\)\./],
    ] as const;
    for (const [destination, why] of cases) {
      const dataDir = dataFolder(destination);
      await addCaptures(dataDir, 1, 'PT-BAD');
      const attempt = await outbox(dataDir, '--retry');
      expect(attempt.code).toBe(1);
      expect(attempt.stdout).toMatch(why);
      expect(attempt.stdout).toMatch(/: 0 sent, 1 waiting\./);
      expect(attempt.stderr).toBe('');
    }
  });
});

describe('the outbox command against a fake server', () => {
  it('prints no password, shows warnings and what needs attention, and outbox --retry puts the refused back (D6, D9)', async () => {
    const credentials = `Basic ${Buffer.from('dermacam:s3cret').toString('base64')}`;
    let refuseSecond = true;
    const pacs = await startFakePacs((request, response) => {
      if (request.headers.authorization !== credentials) return response.writeHead(401).end();
      const count = pacs.requests.length;
      if (count === 2 && refuseSecond) return response.writeHead(409, { 'Content-Type': 'text/plain' }).end('Conflict');
      response.writeHead(count === 1 ? 202 : 200, { 'Content-Type': 'application/dicom+json' }).end(stowJson({ stored: [{ uid: sopInstanceUidIn(request.body)! }] }));
    });
    try {
      const dataDir = dataFolder({ name: 'fake', dicomweb: { url: `http://dermacam:s3cret@127.0.0.1:${pacs.port}/dicom-web` } });
      await addCaptures(dataDir, 2, 'PT-FAKE');
      const first = await outbox(dataDir, '--retry');
      expect(first.stdout + first.stderr).not.toContain('s3cret');
      expect(first.stdout).toMatch(new RegExp(`^fake \\(STOW-RS http://127\\.0\\.0\\.1:${pacs.port}/dicom-web\\): 1 sent, 0 waiting\\. 1 refused for good, which needs attention: .* refused the picture \\(HTTP 409 Conflict\\)\\. "dermacam outbox --retry" sends them again\\. 1 stored with a warning: .* \\(HTTP 202 Accepted\\)\\.$`, 'm'));
      expect(first.code).toBe(1);
      refuseSecond = false;
      const second = await outbox(dataDir, '--retry');
      expect(second.stdout).toMatch(/: 2 sent, 0 waiting\. 1 stored with a warning: /);
      expect(second.code).toBe(0);
    } finally {
      await pacs.close();
    }
  });

  it('ends outbox --retry at the 30 s limit when a server answers 200 and then drips a byte every 5 s (D7)', async () => {
    const pacs = await startFakePacs((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      const drip = setInterval(() => response.write(' '), 5000);
      response.on('close', () => clearInterval(drip));
    });
    try {
      const dataDir = dataFolder({ name: 'drip', dicomweb: { url: pacs.url } });
      await addCaptures(dataDir, 1, 'PT-DRIP');
      const started = Date.now();
      const attempt = await outbox(dataDir, '--retry');
      expect(Date.now() - started).toBeLessThan(45_000);
      expect(attempt.code).toBe(1);
      expect(attempt.stdout).toMatch(/: 0 sent, 1 waiting\. Last failure: 127\.0\.0\.1:\d+ did not finish its reply within 30 s\. Next try /);
    } finally {
      await pacs.close();
    }
  });
});

describe('the app with a PACS that never answers', () => {
  const session = `dermacam-outbox-quit-${process.pid}`;
  const { tmux, screen, running, kill } = tmuxSession(session);
  afterAll(kill);

  it('quits on q within 2 s while a STOW-RS post and a C-STORE hang, and sends nothing after (D7)', async () => {
    const pacs = await startFakePacs(() => undefined);
    const scp = await startFakeScp(() => undefined);
    try {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-outbox-quit-'));
      writeFileSync(
        path.join(dataDir, CONFIG_FILE),
        JSON.stringify({
          destinations: [
            { name: 'web', dicomweb: { url: pacs.url } },
            { name: 'dimse', cstore: { host: '127.0.0.1', port: scp.port, calledAe: 'PACS', callingAe: 'DERMACAM' } },
          ],
        }),
      );
      await addCaptures(dataDir, 1, 'PT-QUIT');
      const app = ['env', '-u', 'CI', process.execPath, CLI, '--camera', 'demo', '--data-dir', dataDir, '--operator', 'e2e'].map((arg) => `'${arg}'`).join(' ');
      tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', app);
      await eventually(() => expect(screen()).toContain('Press space to capture'), 60_000);
      await eventually(() => expect(pacs.requests).toHaveLength(1), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // the C-STORE is in flight too
      const pressed = Date.now();
      tmux('send-keys', '-t', session, 'q');
      await eventually(() => expect(running()).toBe(false), 10_000);
      expect(Date.now() - pressed).toBeLessThan(2000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(pacs.requests).toHaveLength(1);
    } finally {
      await pacs.close();
      scp.close();
    }
  });
});
