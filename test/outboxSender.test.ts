import { writeFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { captureUids } from '../src/dicom/captureObject.js';
import { outboxAttention } from '../src/outbox/attention.js';
import { CONFIG_FILE, type Destination, type DicomWebDestination } from '../src/outbox/config.js';
import { cStoreSender } from '../src/outbox/cStore.js';
import { DeliveryError } from '../src/outbox/delivery.js';
import { classifyStatus } from '../src/outbox/dimseStatus.js';
import { deliverDue, retryDelayMs, routeTo, type Route } from '../src/outbox/sender.js';
import { describeOutbox } from '../src/outbox/status.js';
import { httpExchange, trustedCertificates } from '../src/outbox/httpExchange.js';
import type { SessionLog } from '../src/store/sessionLog.js';
import type { Capture } from '../src/store/records.js';
import { startFakePacs, stowJson, type FakeRequest } from './helpers/fakePacs.js';
import { startFakeScp } from './helpers/fakeScp.js';
import { outboxLogWith } from './helpers/outboxLog.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const uidOf = (log: SessionLog, capture: Capture) => captureUids(log.identity(), log.session(capture.session_id)!, capture).instance;

/** A log with `count` captures, and a fake STOW-RS server that answers with `answer(uid of the posted capture)`. */
async function stowSetup(count: number, answer: (uid: string, request: FakeRequest, response: http.ServerResponse) => void) {
  const setup = await outboxLogWith(count);
  const uids = setup.captures.map((capture) => uidOf(setup.log, capture));
  const pacs = await startFakePacs((request, response) => answer(uids.find((uid) => request.body.includes(uid))!, request, response));
  cleanups.push(() => setup.log.close(), () => pacs.close());
  const destination: DicomWebDestination = { name: 'pacs', kind: 'dicomweb', url: new URL(pacs.url) };
  const pass = () => deliverDue(setup.log, [routeTo(destination)], { appVersion: '0.1.0', now: setup.clock.now, ignoreBackoff: true });
  return { ...setup, uids, pacs, destination, pass };
}

const reply = (response: http.ServerResponse, status: number, type: string, body: string) => response.writeHead(status, { 'Content-Type': type }).end(body);

describe('what counts as stored (D5): a STOW-RS reply that names the instance', () => {
  it('a proxy\'s login page with HTTP 200 stores nothing, and the picture waits with a clear reason', async () => {
    const { log, pass } = await stowSetup(2, (_uid, _request, response) => reply(response, 200, 'text/html; charset=utf-8', '<html><body>Please log in</body></html>'));
    expect(await pass()).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(log.deliveryStatus('pacs')).toMatchObject({
      sent: 0,
      waiting: 2,
      lastError: expect.stringMatching(/^127\.0\.0\.1:\d+ answered HTTP 200 OK with "text\/html", not a DICOM reply, so the picture is not taken as stored\.$/),
    });
  });

  it('takes DICOM JSON or XML naming the instance as stored, and a reply that does not name it as not stored', async () => {
    const answers = [
      (uid: string) => ['application/dicom+json', stowJson({ stored: [{ uid }] })],
      (uid: string) => [
        'application/dicom+xml',
        `<?xml version="1.0" encoding="UTF-8"?><NativeDicomModel><DicomAttribute tag="00081199" vr="SQ" keyword="ReferencedSOPSequence"><Item number="1">` +
          `<DicomAttribute tag="00081150" vr="UI"><Value number="1">1.2.840.10008.5.1.4.1.1.77.1.4</Value></DicomAttribute>` +
          `<DicomAttribute tag="00081155" vr="UI" keyword="ReferencedSOPInstanceUID"><Value number="1">${uid}</Value></DicomAttribute></Item></DicomAttribute></NativeDicomModel>`,
      ],
      () => ['application/dicom+json', stowJson({ stored: [{ uid: '2.25.1' }] })], // another instance
      () => ['application/dicom+json', '{}'],
      () => ['application/dicom+json', 'not json'],
    ];
    let next = 0;
    const { log, pass } = await stowSetup(5, (uid, _request, response) => {
      const [type, body] = answers[next++]!(uid);
      reply(response, 200, type!, body!);
    });
    expect(await pass()).toEqual({ sent: 2, failed: 1, refused: 0 });
    expect(log.deliveryStatus('pacs')).toMatchObject({ sent: 2, waiting: 3, lastError: expect.stringMatching(/answered HTTP 200 OK without naming the picture among those it stored\.$/) });
    expect(await pass()).toEqual({ sent: 0, failed: 1, refused: 0 }); // {}
    expect(await pass()).toEqual({ sent: 0, failed: 1, refused: 0 }); // not JSON
    expect(log.deliveryStatus('pacs').lastError).toMatch(/with "application\/dicom\+json", not a DICOM reply/);
  });
});

describe('warnings and refusals (D6)', () => {
  it('keeps a STOW-RS 202 and a Warning Reason as stored with their warning', async () => {
    const { log, pass } = await stowSetup(2, (uid, _request, response) => reply(response, 202, 'application/dicom+json', stowJson({ stored: [{ uid, warning: 0xb000 }] })));
    expect(await pass()).toEqual({ sent: 2, failed: 0, refused: 0 });
    expect(log.deliveryStatus('pacs')).toMatchObject({
      sent: 2,
      waiting: 0,
      warned: 2,
      lastWarning: expect.stringMatching(/stored the picture with a warning \(HTTP 202 Accepted, Warning Reason 0xb000 coercion of data elements\)\.$/),
    });
  });

  it('puts a Failed SOP Sequence and a 409 aside as "needs attention", never tried again by itself, until outbox --retry puts them back', async () => {
    let refuse = true;
    let next = 0;
    const { log, clock, pass, destination } = await stowSetup(3, (uid, _request, response) => {
      if (!refuse) return reply(response, 200, 'application/dicom+json', stowJson({ stored: [{ uid }] }));
      if (next++ === 0) return reply(response, 200, 'application/dicom+json', stowJson({ failed: [{ uid, reason: 0xa700 }] }));
      return reply(response, 409, 'text/plain', 'Conflict');
    });
    // a refusal is about the picture, not the destination: the others are tried in the same pass
    expect(await pass()).toEqual({ sent: 0, failed: 0, refused: 3 });
    const status = log.deliveryStatus('pacs');
    expect(status).toMatchObject({ sent: 0, waiting: 0, needsAttention: 3, lastRefusal: expect.stringMatching(/refused the picture \(HTTP 409 Conflict\)\.$/) });
    expect(describeOutbox([{ name: 'pacs', ...status }])).toBe('pacs: 3 need attention (dermacam outbox)');
    clock.advance(24 * 3600_000);
    refuse = false;
    const background = () => deliverDue(log, [routeTo(destination)], { appVersion: '0.1.0', now: clock.now });
    expect(await background()).toEqual({ sent: 0, failed: 0, refused: 0 }); // no endless retries
    expect(await log.requeueRefused('pacs')).toBe(3);
    expect(await background()).toEqual({ sent: 3, failed: 0, refused: 0 });
    expect(log.deliveryStatus('pacs')).toMatchObject({ sent: 3, needsAttention: 0 });
  });

  it('reads the Failure Reason of the refused instance only, and keeps 404, 401 and 5xx as failures to try again', async () => {
    const answers: [number, string][] = [[404, 'Not Found'], [401, 'Unauthorized'], [503, 'Service Unavailable'], [502, 'Bad Gateway']];
    let next = 0;
    const { log, pass } = await stowSetup(1, (_uid, _request, response) => reply(response, answers[next++]![0], 'text/plain', 'no'));
    for (const [status, words] of answers) {
      expect(await pass()).toEqual({ sent: 0, failed: 1, refused: 0 });
      expect(log.deliveryStatus('pacs').lastError).toMatch(new RegExp(`refused the picture \\(HTTP ${status} ${words}\\)\\.$`));
    }
  });

  it('takes C-STORE warnings (0xB000, 0xB006, 0xB007) as stored, and 0xA7xx, 0xA9xx and 0xCxxx as refusals', async () => {
    expect([0x0000, 0x0111].map(classifyStatus)).toEqual(['stored', 'stored']);
    expect([0xb000, 0xb006, 0xb007].map(classifyStatus)).toEqual(['warning', 'warning', 'warning']);
    expect([0xa700, 0xa7ff, 0xa900, 0xc000, 0xcfff, 0x0122].map(classifyStatus)).toEqual(Array(6).fill('refused'));
    expect([0x0110, 0x0124, 0x0211].map(classifyStatus)).toEqual(['failed', 'failed', 'failed']);

    const statuses = [0xb007, 0xa700, 0x0110];
    const scp = await startFakeScp(() => statuses.shift());
    cleanups.push(() => scp.close());
    const { log, clock } = await outboxLogWith(3);
    cleanups.push(() => log.close());
    const route = routeTo({ name: 'dimse', kind: 'cstore', host: '127.0.0.1', port: scp.port, calledAe: 'PACS', callingAe: 'DERMACAM' });
    // the first stores with a warning, the second is refused and the pass goes on, the third fails and ends it
    expect(await deliverDue(log, [route], { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 1, failed: 1, refused: 1 });
    expect(log.deliveryStatus('dimse')).toMatchObject({
      sent: 1,
      warned: 1,
      lastWarning: 'PACS@127.0.0.1:' + scp.port + ' stored the picture with a warning (C-STORE status 0xb007 data set does not match SOP class).',
      needsAttention: 1,
      lastRefusal: 'PACS@127.0.0.1:' + scp.port + ' refused the picture (C-STORE status 0xa700 out of resources).',
      waiting: 1,
      lastError: 'PACS@127.0.0.1:' + scp.port + ' refused the picture (C-STORE status 0x0110 processing failure).',
    });
  });
});

describe('an object dcmjs-dimse cannot read for a C-STORE', () => {
  it('waits for a person, with the reason, as a capture that cannot be made into an object does', async () => {
    const { log, clock, captures } = await outboxLogWith(1);
    cleanups.push(() => log.close());
    const destination = { name: 'dimse', kind: 'cstore', host: '127.0.0.1', port: 9, calledAe: 'PACS', callingAe: 'DERMACAM' } as const;
    const store = cStoreSender(destination);
    const mangled: Route = { destination, send: (_object, uid, signal) => store(Buffer.from('not a DICOM file\nat all'), uid, signal) };
    expect(await deliverDue(log, [mangled], { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 0, failed: 0, refused: 1 });
    expect(log.deliveryStatus('dimse').lastRefusal).toMatch(new RegExp(`^Capture ${captures[0]!.id} could not be made into a DICOM object \\([^\n]+\\)\\.$`));
  });
});

describe('a clock that goes forward and back (D8)', () => {
  it('does not stall the outbox: a retry time beyond the longest rest from now counts as due', async () => {
    let down = true;
    const { log, clock, destination } = await stowSetup(1, (uid, _request, response) =>
      down ? reply(response, 503, 'text/plain', 'down') : reply(response, 200, 'application/dicom+json', stowJson({ stored: [{ uid }] })),
    );
    const background = () => deliverDue(log, [routeTo(destination)], { appVersion: '0.1.0', now: clock.now });
    clock.advance(24 * 3600_000); // the clock jumps a day ahead, a try fails there
    expect(await background()).toEqual({ sent: 0, failed: 1, refused: 0 });
    clock.advance(-24 * 3600_000); // and comes back
    down = false;
    expect(await background()).toEqual({ sent: 1, failed: 0, refused: 0 });
    expect(retryDelayMs(100)).toBe(600_000);
  });
});

describe('limits on a reply, and destinations on their own (D7)', () => {
  it('ends a reply that drips one byte at a time at the exchange\'s deadline', async () => {
    const { log, destination, clock } = await stowSetup(1, (_uid, _request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      const drip = setInterval(() => response.write(' '), 100);
      response.on('close', () => clearInterval(drip));
    });
    const started = Date.now();
    expect(await deliverDue(log, [routeTo(destination, { timeoutMs: 1000 })], { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(log.deliveryStatus('pacs').lastError).toMatch(/^127\.0\.0\.1:\d+ did not finish its reply within 1 s\.$/);
  });

  it('stops reading an endless reply at 1 MiB', async () => {
    const { log, destination, clock } = await stowSetup(1, (_uid, _request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      const block = Buffer.alloc(64 << 10, 0x20);
      const pour = () => {
        while (!response.destroyed && response.write(block));
      };
      response.on('drain', pour);
      pour();
    });
    const before = process.memoryUsage().rss;
    expect(await deliverDue(log, [routeTo(destination)], { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(log.deliveryStatus('pacs').lastError).toMatch(/sent a reply of more than 1024 KiB, which is not a STOW-RS response\.$/);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });

  it('sends to each destination on its own: one that hangs holds up no other', async () => {
    const { log, clock, uids } = await outboxLogWith(3).then((setup) => ({ ...setup, uids: setup.captures.map((capture) => uidOf(setup.log, capture)) }));
    cleanups.push(() => log.close());
    const stuck = await startFakePacs(() => undefined); // never answers
    const storedAt: number[] = [];
    const working = await startFakePacs((request, response) => {
      storedAt.push(Date.now());
      reply(response, 200, 'application/dicom+json', stowJson({ stored: [{ uid: uids.find((uid) => request.body.includes(uid))! }] }));
    });
    cleanups.push(() => stuck.close(), () => working.close());
    const routes = [
      routeTo({ name: 'stuck', kind: 'dicomweb', url: new URL(stuck.url) }, { timeoutMs: 3000 }),
      routeTo({ name: 'working', kind: 'dicomweb', url: new URL(working.url) }),
    ];
    const started = Date.now();
    expect(await deliverDue(log, routes, { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 3, failed: 1, refused: 0 });
    expect(storedAt).toHaveLength(3);
    expect(Math.max(...storedAt) - started).toBeLessThan(1500);
  });

  it('stops at once, in-flight sends and all, and sends nothing after (the app\'s q)', async () => {
    const { startBackgroundSender } = await import('../src/outbox/backgroundSender.js');
    const { log } = await outboxLogWith(2);
    cleanups.push(() => log.close());
    const stuck = await startFakePacs(() => undefined);
    const scp = await startFakeScp(() => undefined);
    cleanups.push(() => stuck.close(), () => scp.close());
    const destinations: Destination[] = [
      { name: 'web', kind: 'dicomweb', url: new URL(stuck.url) },
      { name: 'dimse', kind: 'cstore', host: '127.0.0.1', port: scp.port, calledAe: 'PACS', callingAe: 'DERMACAM' },
    ];
    const sender = startBackgroundSender(log, destinations, { appVersion: '0.1.0', intervalMs: 50 });
    await expect.poll(() => stuck.requests.length, { timeout: 5000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the C-STORE is in flight too
    const started = Date.now();
    await sender.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stuck.requests).toHaveLength(1);
    // what was in flight is not a failure of the destination: it waits as before
    expect(log.deliveryStatus('web')).toMatchObject({ sent: 0, waiting: 2, failing: 0 });
    expect(log.deliveryStatus('dimse')).toMatchObject({ sent: 0, waiting: 2, failing: 0 });
  });
});

describe('credentials and trust (D9)', () => {
  it('sends the configured Authorization header, and a "ca" file adds to the system\'s trusted certificates', async () => {
    const { pass, pacs, log, destination } = await stowSetup(1, (uid, request, response) =>
      request.headers.authorization === 'Bearer tok-123' ? reply(response, 200, 'application/dicom+json', stowJson({ stored: [{ uid }] })) : reply(response, 401, 'text/plain', 'who?'),
    );
    destination.authorization = 'Bearer tok-123';
    expect(await pass()).toEqual({ sent: 1, failed: 0, refused: 0 });
    expect(pacs.requests[0]!.headers.authorization).toBe('Bearer tok-123');
    expect(log.deliveryStatus('pacs').sent).toBe(1);
    const trusted = trustedCertificates(Buffer.from('-----BEGIN CERTIFICATE-----\nclinic\n-----END CERTIFICATE-----\n'));
    expect(trusted).toEqual(expect.arrayContaining([...tls.rootCertificates]));
    expect(trusted.at(-1)).toContain('clinic');
  });
});

describe('a token Node cannot put in a header', () => {
  it('fails the exchange in one sentence, and its deadline fires no error later', async () => {
    const destination: DicomWebDestination = { name: 'pacs', kind: 'dicomweb', url: new URL('http://127.0.0.1:9/dicom-web'), authorization: 'Bearer abc\ndef' };
    const exchange = httpExchange(destination, { method: 'GET', path: 'studies', headers: {}, expected: 'an answer' }, { timeoutMs: 50 });
    await expect(exchange).rejects.toThrow(DeliveryError);
    await expect(exchange).rejects.toThrow('Sending to 127.0.0.1:9 failed (ERR_INVALID_CHAR).');
    await new Promise((resolve) => setTimeout(resolve, 200)); // past the deadline: a timer left armed would throw from nowhere
  });
});

describe('doctor (D6)', () => {
  it('says which destination has captures that need attention', async () => {
    const { log, dataDir, captures } = await outboxLogWith(2);
    cleanups.push(() => log.close());
    writeFileSync(path.join(dataDir, CONFIG_FILE), JSON.stringify({ destinations: [{ name: 'pacs', dicomweb: { url: 'https://pacs.example.org/dicom-web' } }] }));
    expect(await outboxAttention(dataDir, path.join(dataDir, CONFIG_FILE))).toEqual([]);
    for (const capture of captures) await log.recordDelivery({ id: capture.id, sopInstanceUid: uidOf(log, capture), versionSeq: log.captureVersion(capture.id)?.seq ?? 0 }, 'pacs', { state: 'refused', error: 'pacs refused the picture (HTTP 409 Conflict).' });
    expect(await outboxAttention(dataDir, path.join(dataDir, CONFIG_FILE))).toEqual([
      { name: 'outbox', status: 'note', detail: 'pacs: 2 captures refused for good need attention (latest: pacs refused the picture (HTTP 409 Conflict)); dermacam outbox --retry sends them again' },
    ]);
  });
});
