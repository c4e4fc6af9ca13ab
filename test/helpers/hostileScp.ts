import net from 'node:net';

/**
 * A DICOM upper-layer peer built from raw PDUs (node:net), for what a dcmjs-dimse SCP cannot be made to do:
 * accept with a tiny maximum PDU length, answer for another object, ignore a release, send garbage.
 */

const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(n >>> 0);
  return bytes;
};
const item = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type, 0]), u16(body.length), body]);
export const pdu = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type, 0]), u32(body.length), body]);
const ae = (title: string) => Buffer.from(title.padEnd(16, ' ').slice(0, 16), 'ascii');

export interface AssociateRq {
  called: string;
  calling: string;
  contexts: { id: number; abstractSyntax: string; transferSyntaxes: string[] }[];
}

function readAssociateRq(bytes: Buffer): AssociateRq {
  const text = (from: number, to: number) => bytes.subarray(from, to).toString('latin1').replace(/\0/g, '').trim();
  const contexts: AssociateRq['contexts'] = [];
  for (let at = 74; at + 4 <= bytes.length; at += 4 + bytes.readUInt16BE(at + 2)) {
    if (bytes[at] !== 0x20) continue;
    const body = bytes.subarray(at + 4, at + 4 + bytes.readUInt16BE(at + 2));
    const context = { id: body[0]!, abstractSyntax: '', transferSyntaxes: [] as string[] };
    for (let sub = 4; sub + 4 <= body.length; sub += 4 + body.readUInt16BE(sub + 2)) {
      const value = body.subarray(sub + 4, sub + 4 + body.readUInt16BE(sub + 2)).toString('latin1').replace(/\0/g, '');
      if (body[sub] === 0x30) context.abstractSyntax = value;
      else if (body[sub] === 0x40) context.transferSyntaxes.push(value);
    }
    contexts.push(context);
  }
  return { called: text(10, 26), calling: text(26, 42), contexts };
}

/** An A-ASSOCIATE-AC for `rq`: every context with `result` (0 accepted) in its first transfer syntax, and `maxPdu` as the maximum length. */
export function associateAc(rq: AssociateRq, { result = 0, maxPdu = 16_384 } = {}): Buffer {
  const contexts = rq.contexts.map(({ id, transferSyntaxes }) => item(0x21, Buffer.concat([Buffer.from([id, 0, result, 0]), item(0x40, Buffer.from(transferSyntaxes[0]!))])));
  const userInfo = item(0x50, Buffer.concat([item(0x51, u32(maxPdu)), item(0x52, Buffer.from('1.2.3.4'))]));
  return pdu(0x02, Buffer.concat([u16(1), u16(0), ae(rq.called), ae(rq.calling), Buffer.alloc(32), item(0x10, Buffer.from('1.2.840.10008.3.1.1.1')), ...contexts, userInfo]));
}

export const A_ABORT = pdu(0x07, Buffer.from([0, 0, 2, 0]));
export const A_RELEASE_RP = pdu(0x06, Buffer.alloc(4));

/** An element in implicit VR little endian. */
function element(group: number, elementNumber: number, value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value.length % 2 ? `${value}\0` : value, 'latin1') : value;
  const header = Buffer.alloc(8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(elementNumber, 2);
  header.writeUInt32LE(bytes.length, 4);
  return Buffer.concat([header, bytes]);
}
const us = (n: number) => {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(n);
  return bytes;
};
const ul = (n: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(n);
  return bytes;
};

/** The command of a request: its command field, message ID, and Affected SOP Class and Instance UIDs. */
export interface Command {
  contextId: number;
  field: number;
  messageId: number;
  sopClass: string;
  sopInstance: string;
}

/** A response's P-DATA-TF: a command with no data set. */
export function response(to: Command, { field = to.field | 0x8000, status = 0, sopInstance = to.sopInstance }: { field?: number; status?: number; sopInstance?: string } = {}): Buffer {
  const body = Buffer.concat([
    element(0, 0x0002, to.sopClass),
    element(0, 0x0100, us(field)),
    element(0, 0x0120, us(to.messageId)),
    element(0, 0x0800, us(0x0101)),
    element(0, 0x0900, us(status)),
    ...(sopInstance ? [element(0, 0x1000, sopInstance)] : []),
  ]);
  const command = Buffer.concat([element(0, 0, ul(body.length)), body]);
  return pdu(0x04, Buffer.concat([u32(command.length + 2), Buffer.from([to.contextId, 0x03]), command]));
}

function readCommand(contextId: number, bytes: Buffer): Command {
  const values = new Map<number, Buffer>();
  for (let at = 0; at + 8 <= bytes.length; at += 8 + bytes.readUInt32LE(at + 4)) values.set(bytes.readUInt16LE(at + 2), bytes.subarray(at + 8, at + 8 + bytes.readUInt32LE(at + 4)));
  const text = (tag: number) => values.get(tag)?.toString('latin1').replace(/\0/g, '') ?? '';
  return { contextId, field: values.get(0x0100)!.readUInt16LE(), messageId: values.get(0x0110)!.readUInt16LE(), sopClass: text(0x0002), sopInstance: text(0x1000) };
}

/** What the peer does at each step; a step left out gives the usual answer (accept, success, release). */
export interface Behaviour {
  /** Right after the TCP connection opens, before the client says anything. */
  connected?: (socket: net.Socket) => void;
  associate?: (rq: AssociateRq, socket: net.Socket) => void;
  /** A complete request (a C-STORE once its data set has arrived). */
  request?: (command: Command, socket: net.Socket) => void;
  release?: (socket: net.Socket) => void;
}

/** Listens on an ephemeral port of 127.0.0.1; `requests` counts the complete requests received, over all connections. */
export async function startHostileScp(behaviour: Behaviour) {
  const sockets = new Set<net.Socket>();
  const seen = { requests: 0, connections: 0 };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    seen.connections++;
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    behaviour.connected?.(socket);
    let received = Buffer.alloc(0);
    let command: Command | undefined;
    let commandBytes = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 6 && received.length >= 6 + received.readUInt32BE(2)) {
        const type = received[0];
        const body = received.subarray(6, 6 + received.readUInt32BE(2));
        received = received.subarray(6 + body.length);
        if (type === 0x01) (behaviour.associate ?? ((rq) => socket.write(associateAc(rq))))(readAssociateRq(Buffer.concat([Buffer.alloc(6), body])), socket);
        else if (type === 0x05) (behaviour.release ?? (() => socket.write(A_RELEASE_RP)))(socket);
        else if (type === 0x04) {
          for (let at = 0; at < body.length; at += 4 + body.readUInt32BE(at)) {
            const contextId = body[at + 4]!;
            const header = body[at + 5]!;
            const value = body.subarray(at + 6, at + 4 + body.readUInt32BE(at));
            const last = (header & 2) !== 0;
            if (header & 1) {
              commandBytes = Buffer.concat([commandBytes, value]);
              if (!last) continue;
              command = readCommand(contextId, commandBytes);
              commandBytes = Buffer.alloc(0);
              // a C-ECHO has no data set: it is complete with its command
              if (command.field !== 0x0030) continue;
            } else if (!last) continue;
            seen.requests++;
            (behaviour.request ?? ((done, to) => to.write(response(done))))(command!, socket);
          }
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
