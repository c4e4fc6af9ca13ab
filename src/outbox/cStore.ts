import dcmjs from 'dcmjs';
import dimse from 'dcmjs-dimse';
import type { CStoreDestination } from './config.js';
import { DeliveryError, describeNetworkFailure, Refusal, type SendObject, type Stored } from './delivery.js';
import { classifyStatus, describeStatus } from './dimseStatus.js';

const { Client, Dataset, requests, log } = dimse;
log.setLevel('silent'); // it logs every connection to the console, which is the app's screen

/** A Part 10 file's bytes as dcmjs-dimse's dataset, in the file's transfer syntax. */
function datasetOf(object: Uint8Array) {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  const file = DicomMessage.readFile(object.buffer.slice(object.byteOffset, object.byteOffset + object.byteLength) as ArrayBuffer);
  return new Dataset(DicomMetaDictionary.naturalizeDataset(file.dict), DicomMetaDictionary.naturalizeDataset(file.meta).TransferSyntaxUID as string);
}

/** The association's socket, which dcmjs-dimse does not expose: its abort sends an A-ABORT but leaves the socket open. */
export function closeAssociation(client: InstanceType<typeof Client>): void {
  const network = (client as unknown as { network?: { socket?: { destroy(): void } } }).network;
  try {
    client.abort();
  } catch {
    // no association yet: there is only the socket to close
  }
  network?.socket?.destroy();
}

/**
 * DIMSE C-STORE: one association per object, as a storage SCU with the destination's AE titles. The whole
 * exchange has `timeoutMs`, and `signal` ends it at once.
 */
export function cStoreSender(destination: CStoreDestination, { timeoutMs = 30_000 } = {}): SendObject {
  const where = `${destination.calledAe}@${destination.host}:${destination.port}`;
  return (object, _sopInstanceUid, signal) =>
    new Promise((resolve, reject) => {
      let outcome: DeliveryError | Stored | undefined;
      const client = new Client();
      const request = new requests.CStoreRequest(datasetOf(object));
      const end = (why: unknown) => {
        clearTimeout(deadline);
        signal.removeEventListener('abort', abort);
        closeAssociation(client);
        reject(why);
      };
      const abort = () => end(signal.reason);
      // a timer of its own: AbortSignal.timeout is held weakly, and a garbage collection meanwhile would leave no deadline at all
      const deadline = setTimeout(() => end(new DeliveryError(`${where} did not finish storing within ${timeoutMs / 1000} s.`)), timeoutMs);
      request.on('response', (response) => {
        const status = response.getStatus();
        const meaning = classifyStatus(status);
        if (meaning === 'stored') outcome = {};
        else if (meaning === 'warning') outcome = { warning: `${where} stored the picture with a warning (C-STORE status ${describeStatus(status)}).` };
        else outcome ??= new (meaning === 'refused' ? Refusal : DeliveryError)(`${where} refused the picture (C-STORE status ${describeStatus(status)}).`);
      });
      client.on('associationRejected', () => {
        outcome ??= new DeliveryError(`${where} refused the association: check the AE titles ("${destination.callingAe}" calling "${destination.calledAe}").`);
      });
      client.on('networkError', (error: Error) => {
        outcome ??= new DeliveryError(describeNetworkFailure(error, where));
      });
      client.on('closed', () => {
        clearTimeout(deadline);
        signal.removeEventListener('abort', abort);
        if (outcome === undefined) reject(new DeliveryError(`${where} closed the connection without storing the picture.`));
        else if (outcome instanceof DeliveryError) reject(outcome);
        else resolve(outcome);
      });
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      client.addRequest(request);
      client.send(destination.host, destination.port, destination.callingAe, destination.calledAe, {
        connectTimeout: timeoutMs,
        associationTimeout: timeoutMs,
        pduTimeout: timeoutMs,
      });
    });
}
