import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import type { CStoreDestination } from './config.js';
import { briefReason, DEFAULT_EXCHANGE_LIMITS, DeliveryError, describeNetworkFailure, Refusal, type ExchangeLimits } from './delivery.js';

const { Client, log } = dimse;
// both log every connection and every malformed message (with a stack trace) to the console, which is the app's screen;
// dcmjs-dimse parses with a copy of dcmjs of its own, which the app's `import 'dcmjs'` does not reach
log.setLevel('silent');
(createRequire(createRequire(import.meta.url).resolve('dcmjs-dimse'))('dcmjs') as { log: { setLevel(level: string): void } }).log.setLevel('silent');

type DimseClient = InstanceType<typeof Client>;
type DimseRequest = Parameters<DimseClient['addRequest']>[0];
type Association = InstanceType<typeof dimse.association.Association>;
/** A response as dcmjs-dimse raises it on its request. */
export interface DimseResponse {
  getCommandFieldType(): number;
  getStatus(): number;
  getAffectedSopInstanceUid(): string | undefined;
}

/**
 * The smallest maximum PDU length a PACS may ask for. PS3.8 sets none, but toolkits propose 16 KiB (DCMTK, dcm4che,
 * Orthanc) and DCMTK's tools take no setting under 4 KiB: less than 1 KiB is a fault, and at 6 bytes or less
 * dcmjs-dimse cuts a data set into empty pieces forever, in one synchronous loop, until the process runs out of memory.
 */
export const MIN_MAX_PDU_LENGTH = 1024;

/** The first PDU a requestor may receive: an A-ASSOCIATE-AC, an A-ASSOCIATE-RJ or an A-ABORT. */
const FIRST_PDU_TYPES = new Set([0x02, 0x03, 0x07]);

interface DimseTask {
  request: DimseRequest;
  /** 'C-STORE', 'C-ECHO': the request as the sentences name it. */
  name: string;
  /** The Command Field of the response the request wants (PS3.7 E.1): 0x8001 for a C-STORE-RSP, 0x8030 for a C-ECHO-RSP. */
  expectedField: number;
  /** The sentence for a PACS that accepts no presentation context proposed for the request, or its data set only in another transfer syntax. */
  notAccepted: string;
}

/** A DIMSE destination as the sentences name it: `PACS@pacs.example.org:104`. */
export const dimsePeer = (destination: CStoreDestination) => `${destination.calledAe}@${destination.host}:${destination.port}`;

type Send = (...args: unknown[]) => void;
/** What dcmjs-dimse keeps to itself: the Network of an association, with its socket, the message it is reading, and its two ways to send. */
interface Network {
  socket: Socket;
  dimse?: unknown;
  _sendPdu: Send;
  _sendDimse: Send;
  on(event: 'abort', listener: () => void): void;
}
const networkOf = (client: DimseClient) => (client as unknown as { network?: Network }).network;

/**
 * Whether the Network is encoding or writing something at this moment. dcmjs-dimse reports a failure to do so (a
 * data set it cannot encode, say) as 'networkError' with the bare error, as it does a PDU from the PACS it cannot
 * read: only its own send methods, which it runs synchronously and which emit that error before they return, tell
 * the two apart.
 */
function watchSending(network: Network): () => boolean {
  let depth = 0;
  for (const method of ['_sendPdu', '_sendDimse'] as const) {
    const send = network[method].bind(network);
    network[method] = (...args) => {
      depth++;
      try {
        send(...args);
      } finally {
        depth--;
      }
    };
  }
  return () => depth > 0;
}

/** Aborts the association and closes its socket: dcmjs-dimse's abort sends an A-ABORT but leaves the socket open. */
function closeAssociation(client: DimseClient): void {
  const network = networkOf(client);
  try {
    client.abort();
  } catch {
    // no association yet: there is only the socket to close
  }
  network?.socket.destroy();
}

/** A PACS that does not answer the A-RELEASE once it has answered the request is cut off this long after. */
const RELEASE_GRACE_MS = 2_000;

/**
 * One association with `destination` for one request, as an SCU with the destination's AE titles. Resolves with
 * the PACS's first response to the request once the association is released (or cut off when the PACS does not
 * release it); rejects with a DeliveryError in one sentence for anything else, at once, or with `signal`'s reason.
 * The whole exchange has `timeoutMs`, and the PACS may send `maxReplyBytes` in all.
 */
export function dimseExchange(destination: CStoreDestination, task: DimseTask, limits: ExchangeLimits = {}, signal?: AbortSignal): Promise<DimseResponse> {
  const { timeoutMs = DEFAULT_EXCHANGE_LIMITS.timeoutMs, maxReplyBytes = DEFAULT_EXCHANGE_LIMITS.maxReplyBytes } = limits;
  const where = dimsePeer(destination);
  return new Promise((resolve, reject) => {
    let answer: DimseResponse | undefined;
    let settled = false;
    const end = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      closeAssociation(client);
      settle();
    };
    const fail = (error: Error | string) => end(() => reject(typeof error === 'string' ? new DeliveryError(error) : error));
    const succeed = () => end(() => resolve(answer!));
    const abort = () => end(() => reject(signal!.reason));
    const client = new Client();
    const timedOut = `${where} did not finish the ${task.name} within ${timeoutMs / 1000} s.`;
    // a timer of its own: AbortSignal.timeout is held weakly, and a garbage collection meanwhile would leave no deadline at all
    let timer = setTimeout(() => fail(timedOut), timeoutMs);

    const refusalOf = (association: Association) => {
      const maxPduLength = association.getMaxPduLength();
      if (maxPduLength !== 0 && maxPduLength < MIN_MAX_PDU_LENGTH) {
        return new DeliveryError(`${where} accepted the association with a maximum PDU length of ${maxPduLength} byte${maxPduLength === 1 ? '' : 's'}, less than the ${MIN_MAX_PDU_LENGTH} needed to send a picture; check the PACS's settings.`);
      }
      const context = association.getAcceptedPresentationContextFromRequest(task.request);
      const dataset = task.request.getDataset();
      // accepted in another transfer syntax only, dcmjs-dimse would try to transcode the JPEG, fail, and send nothing
      if (!context || (dataset && context.getAcceptedTransferSyntaxUid() !== dataset.getTransferSyntaxUid())) return new Refusal(task.notAccepted);
      return undefined;
    };
    let accepted = false;
    client.on('associationAccepted', (association: Association) => {
      const refusal = accepted ? undefined : refusalOf(association);
      // dcmjs-dimse sends its requests right after this returns, from the array it holds: emptied, it sends nothing
      // (and a second A-ASSOCIATE-AC would have it send them all again)
      if (accepted || refusal) client.clearRequests();
      accepted = true;
      if (refusal) fail(refusal);
    });
    task.request.on('response', (response: DimseResponse) => {
      if (answer) return;
      const field = response.getCommandFieldType();
      if (field !== task.expectedField) return fail(`${where} answered the ${task.name} with another kind of response (command 0x${field.toString(16).padStart(4, '0')}).`);
      answer = response;
      // the PACS has answered: a release it ignores holds nothing up
      clearTimeout(timer);
      timer = setTimeout(succeed, RELEASE_GRACE_MS);
    });
    client.on('associationRejected', () => fail(`${where} refused the association: check the AE titles ("${destination.callingAe}" calling "${destination.calledAe}").`));
    let sending = () => false;
    // socket failures come here too, as messages only: the socket's own 'error' listener below takes them first
    client.on('networkError', (error: Error) => {
      if (sending()) fail(`The ${task.name} could not be sent to ${where} (${briefReason(error)}).`);
      else fail(/timeout/i.test(error.message) ? timedOut : `${where} ${NOT_DICOM}`);
    });
    client.on('closed', () => (answer ? succeed() : fail(`${where} closed the connection before answering the ${task.name}.`)));

    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    client.addRequest(task.request);
    client.send(destination.host, destination.port, destination.callingAe, destination.calledAe, { connectTimeout: timeoutMs, associationTimeout: timeoutMs, pduTimeout: timeoutMs });
    const network = networkOf(client)!;
    sending = watchSending(network);
    network.on('abort', () => (answer ? succeed() : fail(`${where} aborted the association before answering the ${task.name}.`)));
    network.socket.prependListener('error', (error: Error) => fail(describeNetworkFailure(error, where)));
    let received = 0;
    // ahead of dcmjs-dimse's own reader, which gathers a PDU of any declared length (4 GB) in memory
    network.socket.prependListener('data', (chunk: Buffer) => {
      if (received === 0 && !FIRST_PDU_TYPES.has(chunk[0]!)) fail(chunk.subarray(0, 5).toString('latin1') === 'HTTP/' ? `${where} answers HTTP, not DICOM: check the port.` : `${where} ${NOT_DICOM}`);
      received += chunk.length;
      if (received > maxReplyBytes) fail(`${where} sent more than ${maxReplyBytes >> 10} KiB, which no answer to a ${task.name} needs.`);
    });
    // after dcmjs-dimse has read the bytes: it takes a command it cannot make out for one followed by a data set, and
    // waits for that data set until the deadline, but no answer to a C-STORE or a C-ECHO has one
    network.socket.on('data', () => network.dimse && fail(`${where} ${NOT_DICOM}`));
  });
}

const NOT_DICOM = 'answered with something that is not valid DICOM.';
