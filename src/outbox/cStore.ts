import dcmjs from 'dcmjs';
import dimse from 'dcmjs-dimse';
import type { CStoreDestination } from './config.js';
import { DeliveryError, Refusal, type SendObject, type Stored } from './delivery.js';
import { dimseExchange, type DimseLimits, type DimseResponse } from './dimseExchange.js';
import { classifyStatus, describeStatus } from './dimseStatus.js';

const { Dataset, requests } = dimse;

/** PS3.7 E.1: the Command Field of a C-STORE-RSP. */
const C_STORE_RSP = 0x8001;

/** A Part 10 file's bytes as dcmjs-dimse's dataset, in the file's transfer syntax. */
function datasetOf(object: Uint8Array) {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  const file = DicomMessage.readFile(object.buffer.slice(object.byteOffset, object.byteOffset + object.byteLength) as ArrayBuffer);
  return new Dataset(DicomMetaDictionary.naturalizeDataset(file.dict), DicomMetaDictionary.naturalizeDataset(file.meta).TransferSyntaxUID as string);
}

/**
 * DIMSE C-STORE: one association per object, as a storage SCU with the destination's AE titles. The whole
 * exchange has `timeoutMs`, and `signal` ends it at once.
 */
export function cStoreSender(destination: CStoreDestination, limits: DimseLimits = {}): SendObject {
  const where = `${destination.calledAe}@${destination.host}:${destination.port}`;
  return async (object, sopInstanceUid, signal) => {
    const dataset = datasetOf(object);
    const { SOPClassUID } = dataset.getElements() as { SOPClassUID: string };
    const request = new requests.CStoreRequest(dataset);
    const notAccepted = `${where} does not accept this kind of picture (SOP class ${SOPClassUID}, transfer syntax ${dataset.getTransferSyntaxUid()}); have it allowed on the PACS.`;
    return judge(await dimseExchange(destination, { request, name: 'C-STORE', notAccepted }, limits, signal), sopInstanceUid, where);
  };
}

/** Stored only on a C-STORE response for this very object: a success for another one stores nothing here. */
function judge(response: DimseResponse, sopInstanceUid: string, where: string): Stored {
  const field = response.getCommandFieldType();
  if (field !== C_STORE_RSP) {
    throw new DeliveryError(`${where} answered the C-STORE with another kind of response (command 0x${field.toString(16).padStart(4, '0')}), so the picture is not counted as stored.`);
  }
  // the Affected SOP Instance UID is optional in a response (PS3.7 9.3.1.2)
  const answeredFor = response.getAffectedSopInstanceUid()?.replace(/[\0 ]+$/, '');
  if (answeredFor && answeredFor !== sopInstanceUid) throw new DeliveryError(`${where} answered for another picture (another SOP Instance UID), so this one is not counted as stored.`);
  const status = response.getStatus();
  const meaning = classifyStatus(status);
  if (meaning === 'stored') return {};
  if (meaning === 'warning') return { warning: `${where} stored the picture with a warning (C-STORE status ${describeStatus(status)}).` };
  throw new (meaning === 'refused' ? Refusal : DeliveryError)(`${where} refused the picture (C-STORE status ${describeStatus(status)}).`);
}
