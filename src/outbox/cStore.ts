import dcmjs from 'dcmjs';
import dimse from 'dcmjs-dimse';
import type { CStoreDestination } from './config.js';
import { briefReason, DeliveryError, Refusal, Unsendable, type ExchangeLimits, type SendObject, type Stored } from './delivery.js';
import { dimseExchange, dimsePeer, type DimseResponse } from './dimseExchange.js';
import { classifyStatus, describeStatus } from './dimseStatus.js';

const { Dataset, requests } = dimse;

/** PS3.7 E.1: the Command Field of a C-STORE-RSP. */
const C_STORE_RSP = 0x8001;

/**
 * A Part 10 file's bytes as a C-STORE request, its data set in the file's transfer syntax. Bytes that dcmjs cannot
 * read are no object to send, however often it is tried: Unsendable.
 */
function storeRequestOf(object: Uint8Array) {
  try {
    const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
    const file = DicomMessage.readFile(object.buffer.slice(object.byteOffset, object.byteOffset + object.byteLength) as ArrayBuffer);
    const dataset = new Dataset(DicomMetaDictionary.naturalizeDataset(file.dict), DicomMetaDictionary.naturalizeDataset(file.meta).TransferSyntaxUID as string);
    const { SOPClassUID } = dataset.getElements() as { SOPClassUID: string };
    return { request: new requests.CStoreRequest(dataset), sopClass: SOPClassUID, transferSyntax: dataset.getTransferSyntaxUid() };
  } catch (error) {
    throw new Unsendable(briefReason(error));
  }
}

/**
 * DIMSE C-STORE: one association per object, as a storage SCU with the destination's AE titles. The whole
 * exchange has `timeoutMs`, and `signal` ends it at once.
 */
export function cStoreSender(destination: CStoreDestination, limits: ExchangeLimits = {}): SendObject {
  const where = dimsePeer(destination);
  return async (object, sopInstanceUid, signal) => {
    const { request, sopClass, transferSyntax } = storeRequestOf(object);
    const notAccepted = `${where} does not accept this kind of picture (SOP class ${sopClass}, transfer syntax ${transferSyntax}); have it allowed on the PACS.`;
    return judge(await dimseExchange(destination, { request, name: 'C-STORE', expectedField: C_STORE_RSP, notAccepted }, limits, signal), sopInstanceUid, where);
  };
}

/** Stored only on a C-STORE response for this very object: a success for another one stores nothing here. */
function judge(response: DimseResponse, sopInstanceUid: string, where: string): Stored {
  // the Affected SOP Instance UID is optional in a response (PS3.7 9.3.1.2)
  const answeredFor = response.getAffectedSopInstanceUid()?.replace(/[\0 ]+$/, '');
  if (answeredFor && answeredFor !== sopInstanceUid) throw new DeliveryError(`${where} answered for another picture (another SOP Instance UID), so this one is not counted as stored.`);
  const status = response.getStatus();
  const meaning = classifyStatus(status);
  if (meaning === 'stored') return {};
  if (meaning === 'warning') return { warning: `${where} stored the picture with a warning (C-STORE status ${describeStatus(status)}).` };
  throw new (meaning === 'refused' ? Refusal : DeliveryError)(`${where} refused the picture (C-STORE status ${describeStatus(status)}).`);
}
