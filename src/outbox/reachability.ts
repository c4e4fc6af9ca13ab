import dimse from 'dcmjs-dimse';
import { derivedUid } from '../dicom/uid.js';
import type { CStoreDestination, Destination, DicomWebDestination } from './config.js';
import type { ExchangeLimits } from './delivery.js';
import { dimseExchange, dimsePeer } from './dimseExchange.js';
import { describeStatus } from './dimseStatus.js';
import { httpExchange } from './httpExchange.js';

const { requests } = dimse;

/** How a destination answered `doctor`: `note` when it answers but whether it stores is only seen at the first send. */
export interface Reachability {
  status: 'ok' | 'note' | 'fail';
  detail: string;
}

/** A Study Instance UID that no PACS holds: the DICOMweb check asks for it, so that no patient's study comes back to this machine. */
const NO_SUCH_STUDY = derivedUid('dermacam', 'doctor', 'no such study');

/** Asks a destination whether it answers, with the sender's own limits (deadline, reply cap) and credentials. */
export function checkReachable(destination: Destination, limits: ExchangeLimits = {}): Promise<Reachability> {
  return destination.kind === 'dicomweb' ? queryDicomWeb(destination, limits) : echo(destination, limits);
}

/** A DICOMweb (QIDO-RS) query at the configured root for a study that does not exist: a 2xx shows the url, the TLS trust and the credentials work. */
async function queryDicomWeb(destination: DicomWebDestination, limits: ExchangeLimits): Promise<Reachability> {
  try {
    const reply = await httpExchange(destination, { method: 'GET', path: `studies?StudyInstanceUID=${NO_SUCH_STUDY}`, headers: { Accept: 'application/dicom+json' }, expected: 'the answer to a query that matches nothing' }, limits);
    return judgeHttpStatus(reply.status, destination.url.host);
  } catch (error) {
    return { status: 'fail', detail: (error as Error).message };
  }
}

function judgeHttpStatus(status: number, where: string): Reachability {
  const url = `the DICOMweb root at ${where}`;
  if (status >= 200 && status < 300) return { status: 'ok', detail: `${url} answers a query (HTTP ${status}): the url, trust and credentials work` };
  if (status === 401 || status === 403) return { status: 'fail', detail: `${url} refuses the credentials (HTTP ${status}); check "user" and "password", or "token".` };
  // a STOW-RS-only endpoint may not take queries; the url still leads to a server
  if (status === 405 || status === 501) return { status: 'note', detail: `${url} answers but takes no queries (HTTP ${status}); whether it stores shows at the first send` };
  if (status >= 300 && status < 400) return { status: 'fail', detail: `${url} redirects (HTTP ${status}), which the sender does not follow; give the url it redirects to.` };
  if (status === 404) return { status: 'fail', detail: `${url} has no DICOMweb service at that path (HTTP 404); check the url.` };
  return { status: 'fail', detail: `${url} answers HTTP ${status}.` };
}

/** PS3.7 E.1: the Command Field of a C-ECHO-RSP. */
const C_ECHO_RSP = 0x8030;

/** A DICOM C-ECHO with the destination's AE titles: it shows the host, the port and the titles are right, and that the PACS keeps to the protocol. */
async function echo(destination: CStoreDestination, limits: ExchangeLimits): Promise<Reachability> {
  const where = dimsePeer(destination);
  let response;
  try {
    const notAccepted = `${where} does not accept a C-ECHO (the Verification SOP class) from this AE title.`;
    response = await dimseExchange(destination, { request: new requests.CEchoRequest(), name: 'C-ECHO', expectedField: C_ECHO_RSP, notAccepted }, limits);
  } catch (error) {
    return { status: 'fail', detail: (error as Error).message };
  }
  const status = response.getStatus();
  return status === 0 ? { status: 'ok', detail: `${where} answers a C-ECHO` } : { status: 'fail', detail: `${where} answered a C-ECHO with status ${describeStatus(status)}.` };
}
