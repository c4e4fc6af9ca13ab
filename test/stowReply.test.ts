import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureUids } from '../src/dicom/captureObject.js';
import { DeliveryError, Refusal } from '../src/outbox/delivery.js';
import { deliverDue, routeTo, type Route } from '../src/outbox/sender.js';
import { describeOutbox } from '../src/outbox/status.js';
import { readStowReply, type HttpReply } from '../src/outbox/stowReply.js';
import { startFakePacs } from './helpers/fakePacs.js';
import { outboxLogWith } from './helpers/outboxLog.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const UID = '2.25.42';
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** What readStowReply throws for `reply`, or undefined where it stores. */
function outcomeOf(reply: Omit<Partial<HttpReply>, 'body'> & { body: string }): Error | undefined {
  try {
    readStowReply({ status: 200, statusMessage: 'OK', contentType: 'application/dicom+xml', ...reply, body: Buffer.from(reply.body) }, UID, 'pacs:443');
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

const xmlReply = (sequences: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<NativeDicomModel xml:space="preserve">${sequences}</NativeDicomModel>`;
const xmlItem = (uid: string, reason?: [tag: string, value: string]) =>
  `<Item number="1"><DicomAttribute tag="00081150" vr="UI"><Value number="1">1.2.840.10008.5.1.4.1.1.77.1.4</Value></DicomAttribute>` +
  `<DicomAttribute tag="00081155" vr="UI" keyword="ReferencedSOPInstanceUID"><Value number="1"> ${uid} </Value></DicomAttribute>` +
  `${reason ? `<DicomAttribute tag="${reason[0]}" vr="US"><Value number="1">${reason[1]}</Value></DicomAttribute>` : ''}</Item>`;
const xmlSequence = (tag: string, items: string) => `<DicomAttribute tag="${tag}" vr="SQ">${items}</DicomAttribute>`;

describe('a STOW-RS reply in DICOM XML (PS3.19)', () => {
  it('names the stored, warned and failed instances as before', () => {
    expect(outcomeOf({ body: xmlReply(xmlSequence('00081199', xmlItem('2.25.1') + xmlItem(UID))) })).toBeUndefined();
    const warned = readStowReply({ status: 200, statusMessage: 'OK', contentType: 'text/xml', body: Buffer.from(xmlReply(xmlSequence('00081199', xmlItem(UID, ['00081196', '45056'])))) }, UID, 'pacs:443');
    expect(warned.warning).toBe('pacs:443 stored the picture with a warning (HTTP 200 OK, Warning Reason 0xb000 coercion of data elements).');
    const refused = outcomeOf({ body: xmlReply(xmlSequence('00081198', xmlItem(UID, ['00081197', '42752']))) });
    expect(refused).toBeInstanceOf(Refusal);
    expect(refused!.message).toBe('pacs:443 refused the picture (HTTP 200 OK, Failure Reason 0xa700 out of resources).');
    // an empty element, single quotes, and an item left open inside the sequence
    const unusual = xmlReply(`<DicomAttribute tag="00081190" vr="UR"/><DicomAttribute tag='00081199' vr='SQ'>${xmlItem(UID)}<Item></DicomAttribute>`);
    expect(outcomeOf({ body: unusual })).toBeUndefined();
  });

  it('stores nothing that is not closed, or not named where PS3.19 puts it', () => {
    const notStored = /answered HTTP 200 OK without naming the picture among those it stored\.$/;
    expect(outcomeOf({ body: xmlReply(xmlSequence('00081199', xmlItem(UID).replace('</Item>', ''))) })?.message).toMatch(notStored);
    expect(outcomeOf({ body: xmlReply(`<DicomAttribute tag="00081199" vr="SQ">${xmlItem(UID)}`) })?.message).toMatch(notStored);
    expect(outcomeOf({ body: xmlReply(xmlSequence('00400275', xmlItem('2.25.1').replace('</Item>', xmlSequence('00081199', xmlItem(UID)) + '</Item>'))) })?.message).toMatch(notStored);
    expect(outcomeOf({ body: '<html><body>NativeDicomModel</body></html>' })?.message).toMatch(/with "application\/dicom\+xml", not a DICOM reply/);
  });

  it('takes a reason that is not a number as no reason, and never quotes it', () => {
    const refused = outcomeOf({ body: xmlReply(xmlSequence('00081198', xmlItem(UID, ['00081197', '\u001b[31mbad']))) });
    expect(refused).toBeInstanceOf(Refusal);
    expect(refused!.message).toBe('pacs:443 refused the picture (HTTP 200 OK).');
  });

  it('reads a malformed reply of 1 MiB in time linear in its size (no frozen app)', () => {
    const hostile = [
      xmlReply(xmlSequence('00081199', '<Item>'.repeat(170_000))), // items without their end
      xmlReply(xmlSequence('00081199', '<Item number="1">'.repeat(55_000))),
      `<NativeDicomModel>${'<DicomAttribute '.repeat(65_000)}`, // tags without their ">"
      xmlReply(xmlSequence('00081199', `<Item number="1"><DicomAttribute ${' tag="00081155"'.repeat(60_000)}</Item>`)),
      xmlReply(`${'<Item>'.repeat(100_000)}${'</Value>'.repeat(100_000)}`), // end tags that close nothing
    ];
    for (const body of hostile) {
      const started = performance.now();
      const error = outcomeOf({ body });
      expect(performance.now() - started, body.slice(0, 80)).toBeLessThan(5000);
      expect(error).toBeInstanceOf(DeliveryError);
      expect(error).not.toBeInstanceOf(Refusal);
    }
  });
});

describe('a STOW-RS reply in DICOM JSON of the wrong shape', () => {
  it('is not a DICOM reply: not stored, tried again, in one sentence', () => {
    const malformed = [
      { '00081199': { vr: 'SQ', Value: 'oops' } },
      { '00081199': { vr: 'SQ', Value: { a: 1 } }, '00081198': { Value: 5 } },
      { '00081199': { vr: 'SQ', Value: [null] } },
      { '00081199': { vr: 'SQ', Value: [[{ '00081155': { Value: [UID] } }]] } },
      { '00081198': 'failed' },
      [[{ '00081199': { vr: 'SQ', Value: [] } }]],
    ];
    for (const body of malformed) {
      const error = outcomeOf({ contentType: 'application/dicom+json', body: JSON.stringify(body) });
      expect(error, JSON.stringify(body)).toBeInstanceOf(DeliveryError);
      expect(error).not.toBeInstanceOf(Refusal);
      expect(error!.message).toBe('pacs:443 answered HTTP 200 OK with "application/dicom+json", not a DICOM reply, so the picture is not taken as stored.');
    }
  });

  it('takes a reason that is not a status code as no reason', () => {
    const failed = (reason: unknown) => JSON.stringify({ '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: [UID] }, '00081197': { vr: 'US', Value: [reason] } }] } });
    for (const reason of [1.5, -1, 0x10000, '42752']) expect(outcomeOf({ contentType: 'application/dicom+json', body: failed(reason) })?.message).toBe('pacs:443 refused the picture (HTTP 200 OK).');
  });
});

describe('text the server chose (C0 and C1 controls)', () => {
  it('is escaped, and cut short, where it enters a sentence', () => {
    const hostile = [
      { status: 503, statusMessage: '\u001b[2J\u001b[31mPACS OK \u001b]0;pwned\u0007', body: '' },
      { status: 503, statusMessage: 'Service \u009b2J Unavailable', body: '' },
      { status: 200, contentType: 'text/\u009b31mhtml', body: 'login' },
      { status: 202, statusMessage: 'Accepted\u009b2K', contentType: 'application/dicom+json', body: JSON.stringify({ '00081199': { Value: [{ '00081155': { Value: [UID] } }] } }) },
    ];
    const messages = hostile.map((reply) => outcomeOf(reply)?.message ?? readStowReply({ ...reply, body: Buffer.from(reply.body) }, UID, 'pacs:443').warning!);
    for (const message of messages) expect(message).not.toMatch(CONTROL);
    expect(messages[0]).toBe('pacs:443 refused the picture (HTTP 503 \\u001b[2J\\u001b[31mPACS OK \\u001b]0;pwned\\u0007).');
    expect(messages[1]).toBe('pacs:443 refused the picture (HTTP 503 Service \\u009b2J Unavailable).');
    expect(messages[2]).toMatch(/ with "text\/\\u009b31mhtml", not a DICOM reply/);
    expect(messages[3]).toBe('pacs:443 stored the picture with a warning (HTTP 202 Accepted\\u009b2K).');
    expect(outcomeOf({ status: 503, statusMessage: 'A'.repeat(15_000), body: '' })!.message.length).toBeLessThan(150);
  });

  it('is escaped on the status line, a lastError from an older log included', () => {
    const line = describeOutbox([{ name: 'pacs', sent: 0, waiting: 2, failing: 1, needsAttention: 0, warned: 0, lastError: 'pacs refused the picture (HTTP 503 \u001b[2J\u009b31mPACS OK).' }]);
    expect(line).toBe('pacs: 2 waiting (pacs refused the picture (HTTP 503 \\u001b[2J\\u009b31mPACS OK))');
  });
});

/** A log with one capture, and a server that answers every post with the raw HTTP `head` and `body`. */
async function rawServer(head: string, body = '') {
  const setup = await outboxLogWith(1);
  const server = http.createServer((request) => request.resume().on('end', () => request.socket.end(`${head}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => setup.log.close(), () => new Promise((resolve) => server.close(resolve)));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`);
  const pass = (route: Route = routeTo({ name: 'pacs', kind: 'dicomweb', url })) => deliverDue(setup.log, [route], { appVersion: '0.1.0', now: setup.clock.now, ignoreBackoff: true });
  return { ...setup, pass };
}

describe('the outbox, against a hostile server', () => {
  it('keeps an escape sequence in the reason phrase out of the log and the status line', async () => {
    const { log, pass } = await rawServer('HTTP/1.1 503 \u001b[2J\u001b[31mPACS OK \u001b]0;pwned\u0007');
    expect(await pass()).toEqual({ sent: 0, failed: 1, refused: 0 });
    const status = log.deliveryStatus('pacs');
    expect(status.lastError).not.toMatch(CONTROL);
    expect(describeOutbox([{ name: 'pacs', ...status }])).toMatch(/^pacs: 1 waiting \(127\.0\.0\.1:\d+ refused the picture \(HTTP 503 \\u001b\[2J\\u001b\[31mPACS OK \\u001b\]0;pwned\\u0007\)\)$/);
  });

  it('keeps a capture whose reply is DICOM JSON of the wrong shape waiting, not refused for good', async () => {
    const { log, pass } = await rawServer('HTTP/1.1 200 OK\r\ncontent-type: application/dicom+json', JSON.stringify({ '00081199': { vr: 'SQ', Value: 'oops' } }));
    expect(await pass()).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(log.deliveryStatus('pacs')).toMatchObject({ waiting: 1, needsAttention: 0, lastError: expect.stringMatching(/^127\.0\.0\.1:\d+ answered HTTP 200 OK with "application\/dicom\+json", not a DICOM reply, so the picture is not taken as stored\.$/) });
  });

  it('takes a fault while sending as a failure to try again, and only a capture that cannot be made into an object as unsendable', async () => {
    const { log, captures, dataDir } = await outboxLogWith(1);
    cleanups.push(() => log.close());
    const faulty: Route = {
      destination: { name: 'pacs', kind: 'dicomweb', url: new URL('http://127.0.0.1:9/dicom-web') },
      send: async () => {
        throw new TypeError('((intermediate value) ?? []).map is not a function');
      },
    };
    const pass = () => deliverDue(log, [faulty], { appVersion: '0.1.0', ignoreBackoff: true });
    expect(await pass()).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(log.deliveryStatus('pacs')).toMatchObject({ waiting: 1, needsAttention: 0, lastError: 'Sending to the destination "pacs" failed unexpectedly (((intermediate value) ?? []).map is not a function), so the picture waits to be tried again.' });
    rmSync(path.join(dataDir, captures[0]!.image_path));
    expect(await pass()).toEqual({ sent: 0, failed: 0, refused: 1 });
    expect(log.deliveryStatus('pacs').lastRefusal).toMatch(/^The image of capture .* cannot be used: the file does not exist; dermacam doctor --verify checks the log\.$/);
  });
});

describe('a server that answers as a PACS would', () => {
  it('still stores by XML through the outbox', async () => {
    const setup = await outboxLogWith(1);
    const uid = captureUids(setup.log.identity(), setup.log.session(setup.captures[0]!.session_id)!, setup.captures[0]!).instance;
    const pacs = await startFakePacs((_request, response) => response.writeHead(200, { 'Content-Type': 'application/dicom+xml' }).end(xmlReply(xmlSequence('00081199', xmlItem(uid)))));
    cleanups.push(() => setup.log.close(), () => pacs.close());
    expect(await deliverDue(setup.log, [routeTo({ name: 'pacs', kind: 'dicomweb', url: new URL(pacs.url) })], { appVersion: '0.1.0', now: setup.clock.now })).toEqual({ sent: 1, failed: 0, refused: 0 });
  });
});
