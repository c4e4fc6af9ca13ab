import { createRequire } from 'node:module';
import dimse from 'dcmjs-dimse';
import { afterEach, describe, expect, it } from 'vitest';
import type { CStoreDestination } from '../src/outbox/config.js';
import { dimseExchange, MIN_MAX_PDU_LENGTH } from '../src/outbox/dimseExchange.js';
import { checkReachable } from '../src/outbox/reachability.js';
import { deliverDue, routeTo } from '../src/outbox/sender.js';
import { A_ABORT, associateAc, pdu, response, startHostileScp, type Behaviour } from './helpers/hostileScp.js';
import { outboxLogWith } from './helpers/outboxLog.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Well under the 30 s deadline, however loaded the machine: the hostile answer itself ended the exchange. */
const AT_ONCE_MS = 20_000;

async function hostile(behaviour: Behaviour) {
  const scp = await startHostileScp(behaviour);
  cleanups.push(() => scp.close());
  const destination: CStoreDestination = { name: 'dimse', kind: 'cstore', host: '127.0.0.1', port: scp.port, calledAe: 'PACS', callingAe: 'DERMACAM' };
  return { scp, destination, where: `PACS@127.0.0.1:${scp.port}` };
}

/** One capture sent to a hostile peer: what the pass counted, the destination's status, and how long it took. */
async function sendOneTo(behaviour: Behaviour) {
  const { scp, destination, where } = await hostile(behaviour);
  const { log, clock } = await outboxLogWith(1);
  cleanups.push(() => log.close());
  const started = Date.now();
  const result = await deliverDue(log, [routeTo(destination)], { appVersion: '0.1.0', now: clock.now });
  return { result, status: log.deliveryStatus('dimse'), elapsedMs: Date.now() - started, scp, where };
}

async function echoTo(behaviour: Behaviour) {
  const { destination, where } = await hostile(behaviour);
  const started = Date.now();
  const reachability = await checkReachable(destination);
  return { ...reachability, elapsedMs: Date.now() - started, where };
}

const NOT_DICOM = 'answered with something that is not valid DICOM.';

describe('a PACS that accepts with a maximum PDU length too small to send in', () => {
  it('is refused in one sentence, at once, with nothing sent (dcmjs-dimse would loop forever at 6 bytes or less)', async () => {
    const { result, status, elapsedMs, scp, where } = await sendOneTo({ associate: (rq, socket) => socket.write(associateAc(rq, { maxPdu: 6 })) });
    expect(result).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(status.lastError).toBe(`${where} accepted the association with a maximum PDU length of 6 bytes, less than the ${MIN_MAX_PDU_LENGTH} needed to send a picture; check the PACS's settings.`);
    expect(scp.seen.requests).toBe(0);
    expect(elapsedMs).toBeLessThan(AT_ONCE_MS);
  });

  it('takes 0 as no limit', async () => {
    const { result } = await sendOneTo({ associate: (rq, socket) => socket.write(associateAc(rq, { maxPdu: 0 })) });
    expect(result).toEqual({ sent: 1, failed: 0, refused: 0 });
  });

  it("fails doctor's C-ECHO check with the same sentence, though a C-ECHO carries no data set", async () => {
    const echo = await echoTo({ associate: (rq, socket) => socket.write(associateAc(rq, { maxPdu: 1 })) });
    expect(echo).toMatchObject({ status: 'fail', detail: `${echo.where} accepted the association with a maximum PDU length of 1 byte, less than the ${MIN_MAX_PDU_LENGTH} needed to send a picture; check the PACS's settings.` });
  });
});

describe('only a C-STORE response for the picture sent counts as stored', () => {
  it('does not count a success for another SOP Instance UID', async () => {
    const { result, status, where } = await sendOneTo({ request: (command, socket) => socket.write(response(command, { sopInstance: '1.2.3.4.5' })) });
    expect(result).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(status.lastError).toBe(`${where} answered for another picture (another SOP Instance UID), so this one is not counted as stored.`);
  });

  it('does not count a C-ECHO response to the C-STORE', async () => {
    const { result, status, where } = await sendOneTo({ request: (command, socket) => socket.write(response(command, { field: 0x8030 })) });
    expect(result).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(status.lastError).toBe(`${where} answered the C-STORE with another kind of response (command 0x8030).`);
    const echo = await echoTo({ request: (command, socket) => socket.write(response(command, { field: 0x8001 })) });
    expect(echo).toMatchObject({ status: 'fail', detail: `${echo.where} answered the C-ECHO with another kind of response (command 0x8001).` });
  });

  it('counts a success without an Affected SOP Instance UID, which is optional in a response', async () => {
    const { result } = await sendOneTo({ request: (command, socket) => socket.write(response(command, { sopInstance: '' })) });
    expect(result).toEqual({ sent: 1, failed: 0, refused: 0 });
  });

  it('counts a success as stored though the PACS then ignores the release', async () => {
    const { result, elapsedMs } = await sendOneTo({ release: () => {} });
    expect(result).toEqual({ sent: 1, failed: 0, refused: 0 });
    expect(elapsedMs).toBeLessThan(AT_ONCE_MS);
  });
});

describe('a PACS that sends without end', () => {
  it('is cut off after 1 MiB, at once, not at the deadline', async () => {
    let pumped = 0;
    const { result, status, elapsedMs, where } = await sendOneTo({
      associate: (_rq, socket) => {
        // a PDU header that claims 4 GB, then a stream to fill it
        socket.write(Buffer.from([0x02, 0, 0xff, 0xff, 0xff, 0xf0]));
        const megabyte = Buffer.alloc(1 << 20, 0x41);
        const pump = () => {
          while (!socket.destroyed && pumped < 64 << 20 && socket.write(megabyte)) pumped += megabyte.length;
        };
        socket.on('drain', pump);
        pump();
      },
    });
    expect(result).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(status.lastError).toBe(`${where} sent more than 1024 KiB, which no answer to a C-STORE needs.`);
    expect(elapsedMs).toBeLessThan(AT_ONCE_MS);
    expect(pumped).toBeLessThan(16 << 20);
  });
});

describe('a malformed answer ends the send at once in one sentence', () => {
  it('takes a garbled C-STORE response as not valid DICOM, and dcmjs-dimse\'s own dcmjs prints nothing', async () => {
    const { result, status, elapsedMs, where } = await sendOneTo({ request: (command, socket) => socket.write(pdu(0x04, Buffer.from([0, 0, 0, 5, command.contextId, 3, 0xff, 0xff, 0xff]))) });
    expect(result).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(status.lastError).toBe(`${where} ${NOT_DICOM}`);
    expect(elapsedMs).toBeLessThan(AT_ONCE_MS);
    const dimseDcmjs = createRequire(createRequire(import.meta.url).resolve('dcmjs-dimse'))('dcmjs') as { log: { getLevel(): number } };
    expect(dimseDcmjs.log.getLevel()).toBe(5); // silent
  });

  const malformed: [string, NonNullable<Behaviour['associate']>][] = [
    ['a P-DATA before the association', (_rq, socket) => socket.write(response({ contextId: 1, field: 0x0001, messageId: 1, sopClass: '1.2.3', sopInstance: '1.2.3' }))],
    ['an unknown PDU type', (_rq, socket) => socket.write(Buffer.from([0x09, 0, 0, 0, 0, 4, 1, 2, 3, 4]))],
    ['an A-ASSOCIATE-AC cut short', (_rq, socket) => socket.write(pdu(0x02, Buffer.from([0, 1, 0, 0, 1, 2, 3])))],
    ['an A-ASSOCIATE-AC for presentation contexts never proposed', (rq, socket) => socket.write(associateAc({ ...rq, contexts: rq.contexts.map((context) => ({ ...context, id: context.id + 100 })) }))],
    ['an A-ASSOCIATE-AC then a P-DATA of nonsense', (rq, socket) => socket.write(Buffer.concat([associateAc(rq), pdu(0x04, Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 3]))]))],
  ];
  it.each(malformed)('%s', async (_name, associate) => {
    const { result, status, elapsedMs, where } = await sendOneTo({ associate });
    expect(result).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(status.lastError).toBe(`${where} ${NOT_DICOM}`);
    expect(elapsedMs).toBeLessThan(AT_ONCE_MS);
  });

  it('says an HTTP server is not a DICOM port', async () => {
    const { status, elapsedMs, where } = await sendOneTo({ connected: (socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n') });
    expect(status.lastError).toBe(`${where} answers HTTP, not DICOM: check the port.`);
    expect(elapsedMs).toBeLessThan(AT_ONCE_MS);
  });

  it('reports an A-ABORT from the PACS at once, and so does doctor', async () => {
    const { status, elapsedMs, where } = await sendOneTo({ associate: (_rq, socket) => socket.write(A_ABORT) });
    expect(status.lastError).toBe(`${where} aborted the association before answering the C-STORE.`);
    expect(elapsedMs).toBeLessThan(AT_ONCE_MS);
    const echo = await echoTo({ associate: (_rq, socket) => socket.write(A_ABORT) });
    expect(echo).toMatchObject({ status: 'fail', detail: `${echo.where} aborted the association before answering the C-ECHO.` });
    expect(echo.elapsedMs).toBeLessThan(AT_ONCE_MS);
  });

  it('sends the picture once though the PACS accepts the association twice', async () => {
    const { scp } = await sendOneTo({ associate: (rq, socket) => socket.write(Buffer.concat([associateAc(rq), associateAc(rq)])) });
    expect(scp.seen.requests).toBe(1);
  });
});

describe('a request dcmjs-dimse cannot encode', () => {
  it('is not blamed on the PACS: it could not be sent, and why', async () => {
    const { destination, where } = await hostile({});
    const dataset = new dimse.Dataset({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', SOPInstanceUID: '1.2.3.4', Rows: 'many' }, '1.2.840.10008.1.2');
    const task = { request: new dimse.requests.CStoreRequest(dataset), name: 'C-STORE', expectedField: 0x8001, notAccepted: 'not accepted' };
    await expect(dimseExchange(destination, task)).rejects.toThrow(`The C-STORE could not be sent to ${where} (Not a number: many).`);
  });
});

describe('a PACS that does not take this kind of picture', () => {
  it('puts the picture aside as needing attention, with what it does not take', async () => {
    const { result, status, where } = await sendOneTo({ associate: (rq, socket) => socket.write(associateAc(rq, { result: 3 })) });
    expect(result).toEqual({ sent: 0, failed: 0, refused: 1 });
    expect(status.lastRefusal).toMatch(new RegExp(`^${where.replace(/\./g, '\\.')} does not accept this kind of picture \\(SOP class 1\\.2\\.840\\.10008\\.5\\.1\\.4\\.1\\.1\\.77\\.1\\.4, transfer syntax 1\\.2\\.840\\.10008\\.1\\.2\\.4\\.50\\); have it allowed on the PACS\\.$`));
  });

  it('does so too when it accepts the picture only in a transfer syntax other than its JPEG', async () => {
    const uncompressedOnly: Behaviour['associate'] = (rq, socket) => socket.write(associateAc({ ...rq, contexts: rq.contexts.filter((context) => !context.transferSyntaxes.includes('1.2.840.10008.1.2.4.50')) }));
    const { result, status, where } = await sendOneTo({ associate: uncompressedOnly });
    expect(result).toEqual({ sent: 0, failed: 0, refused: 1 });
    expect(status.lastRefusal).toMatch(`${where} does not accept this kind of picture`);
  });
});
