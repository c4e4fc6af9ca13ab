import dcmjs from 'dcmjs';
import dimse from 'dcmjs-dimse';
import type { CStoreDestination } from './config.js';
import { DeliveryError, describeNetworkFailure, type SendObject } from './delivery.js';

const { Client, Dataset, requests, constants, log } = dimse;
log.setLevel('silent'); // it logs every connection to the console, which is the app's screen

/** A Part 10 file's bytes as dcmjs-dimse's dataset, in the file's transfer syntax. */
function datasetOf(object: Uint8Array) {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  const file = DicomMessage.readFile(object.buffer.slice(object.byteOffset, object.byteOffset + object.byteLength) as ArrayBuffer);
  return new Dataset(DicomMetaDictionary.naturalizeDataset(file.dict), DicomMetaDictionary.naturalizeDataset(file.meta).TransferSyntaxUID as string);
}

/** DIMSE C-STORE: one association per object, as a storage SCU with the destination's AE titles. */
export function cStoreSender(destination: CStoreDestination, { timeoutMs = 30_000 } = {}): SendObject {
  const where = `${destination.calledAe}@${destination.host}:${destination.port}`;
  return (object) =>
    new Promise((resolve, reject) => {
      let outcome: DeliveryError | 'stored' | undefined;
      const client = new Client();
      const request = new requests.CStoreRequest(datasetOf(object));
      request.on('response', (response) => {
        const status = response.getStatus();
        if (status === constants.Status.Success || status === constants.Status.DuplicateSOPInstance) outcome = 'stored';
        else outcome ??= new DeliveryError(`${where} refused the picture (C-STORE status 0x${status.toString(16).padStart(4, '0')}).`);
      });
      client.on('associationRejected', () => {
        outcome ??= new DeliveryError(`${where} refused the association: check the AE titles ("${destination.callingAe}" calling "${destination.calledAe}").`);
      });
      client.on('networkError', (error: Error) => {
        outcome ??= new DeliveryError(describeNetworkFailure(error, where));
      });
      client.on('closed', () => {
        if (outcome === 'stored') resolve();
        else reject(outcome ?? new DeliveryError(`${where} closed the connection without storing the picture.`));
      });
      client.addRequest(request);
      client.send(destination.host, destination.port, destination.callingAe, destination.calledAe, {
        connectTimeout: timeoutMs,
        associationTimeout: timeoutMs,
        pduTimeout: timeoutMs,
      });
    });
}
