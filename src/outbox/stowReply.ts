import { describeStatus } from './dimseStatus.js';
import { DeliveryError, Refusal, type Stored } from './delivery.js';

/** An HTTP reply to a STOW-RS post, its body read (and capped) already. */
export interface HttpReply {
  status: number;
  statusMessage?: string;
  contentType?: string;
  body: Buffer;
}

/** An item of the reply's Referenced or Failed SOP Sequence: the instance it names, and why it failed or warns. */
interface ReplyItem {
  uid?: string;
  reason?: number;
}

interface StowResponse {
  referenced: ReplyItem[];
  failed: ReplyItem[];
}

const REFERENCED_SOP_SEQUENCE = '00081199';
const FAILED_SOP_SEQUENCE = '00081198';
const REFERENCED_SOP_INSTANCE_UID = '00081155';
const FAILURE_REASON = '00081197';
const WARNING_REASON = '00081196';

/**
 * HTTP errors that sending the same object again would not change (PS3.18 10.5.3): a request the server
 * cannot take (400), a conflict such as a SOP class it does not store (409), an object too large (413), a
 * media type it does not take (415, 422). Others (404 or 401 for a wrong url or credentials, 5xx, a proxy's
 * 502) are about the destination, and a fixed configuration or a PACS back up sends the picture by itself.
 */
const PERMANENT_HTTP = new Set([400, 409, 413, 415, 422]);

/**
 * What a STOW-RS reply says about the instance sent: stored only when a 200 or 202 carries a DICOM JSON or XML
 * response whose Referenced SOP Sequence names it (a 202, or a Warning Reason, is kept as a warning); refused when
 * the Failed SOP Sequence names it; anything else (a proxy's login page, say) is not stored, and is tried again.
 */
export function readStowReply(reply: HttpReply, sopInstanceUid: string, where: string): Stored {
  const http = `HTTP ${reply.status}${reply.statusMessage ? ` ${reply.statusMessage}` : ''}`;
  const response = parseResponse(reply);
  const failure = response?.failed.find((item) => item.uid === sopInstanceUid);
  if (failure) throw new Refusal(`${where} refused the picture (${http}${failure.reason === undefined ? '' : `, Failure Reason ${describeStatus(failure.reason)}`}).`);
  if (reply.status !== 200 && reply.status !== 202) {
    const Failure = PERMANENT_HTTP.has(reply.status) ? Refusal : DeliveryError;
    throw new Failure(`${where} refused the picture (${http}).`);
  }
  if (!response) throw new DeliveryError(`${where} answered ${http} with ${reply.contentType ? `"${reply.contentType.split(';')[0]}"` : 'no content type'}, not a DICOM reply, so the picture is not taken as stored.`);
  const stored = response.referenced.find((item) => item.uid === sopInstanceUid);
  if (!stored) throw new DeliveryError(`${where} answered ${http} without naming the picture among those it stored.`);
  if (reply.status === 202 || stored.reason !== undefined) {
    return { warning: `${where} stored the picture with a warning (${http}${stored.reason === undefined ? '' : `, Warning Reason ${describeStatus(stored.reason)}`}).` };
  }
  return {};
}

/** The reply's body as a STOW-RS response, from DICOM JSON or DICOM XML; undefined for any other body. */
function parseResponse({ contentType = '', body }: HttpReply): StowResponse | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/dicom+json' || type === 'application/json') return parseJson(body.toString('utf8'));
  if (type === 'application/dicom+xml' || type === 'application/xml' || type === 'text/xml') return parseXml(body.toString('utf8'));
  return undefined;
}

type JsonDataset = Record<string, { Value?: unknown[] } | undefined>;

function parseJson(text: string): StowResponse | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const dataset = (Array.isArray(parsed) ? parsed[0] : parsed) as JsonDataset | undefined;
  if (typeof dataset !== 'object' || dataset === null) return undefined;
  const items = (tag: string): ReplyItem[] =>
    ((dataset[tag]?.Value ?? []) as JsonDataset[]).map((item) => {
      const reason = item?.[FAILURE_REASON]?.Value?.[0] ?? item?.[WARNING_REASON]?.Value?.[0];
      return { uid: stringOr(item?.[REFERENCED_SOP_INSTANCE_UID]?.Value?.[0]), reason: typeof reason === 'number' ? reason : undefined };
    });
  return { referenced: items(REFERENCED_SOP_SEQUENCE), failed: items(FAILED_SOP_SEQUENCE) };
}

const stringOr = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** PS3.19's Native DICOM Model, read for the two sequences only. */
function parseXml(text: string): StowResponse | undefined {
  if (!/<NativeDicomModel\b/.test(text)) return undefined;
  const items = (tag: string): ReplyItem[] =>
    xmlElements(text, tag).flatMap((sequence) =>
      xmlItems(sequence).map((item) => {
        const reason = xmlValue(item, FAILURE_REASON) ?? xmlValue(item, WARNING_REASON);
        return { uid: xmlValue(item, REFERENCED_SOP_INSTANCE_UID), reason: reason === undefined ? undefined : Number(reason) };
      }),
    );
  return { referenced: items(REFERENCED_SOP_SEQUENCE), failed: items(FAILED_SOP_SEQUENCE) };
}

/** The contents of each `<DicomAttribute tag="…">` element, nested ones counted so that its own end is found. */
function xmlElements(xml: string, tag: string): string[] {
  const found: string[] = [];
  const tokens = /<(\/?)DicomAttribute\b([^>]*?)(\/?)>/g;
  let depth = 0;
  let open: { depth: number; start: number } | undefined;
  for (const token of xml.matchAll(tokens)) {
    const [whole, closing, attributes, selfClosing] = token;
    if (selfClosing) continue;
    if (!closing) {
      depth++;
      if (!open && new RegExp(`\\btag="${tag}"`, 'i').test(attributes!)) open = { depth, start: token.index + whole.length };
    } else {
      if (open?.depth === depth) {
        found.push(xml.slice(open.start, token.index));
        open = undefined;
      }
      depth--;
    }
  }
  return found;
}

function xmlItems(sequence: string): string[] {
  return [...sequence.matchAll(/<Item\b[^>]*>([\s\S]*?)<\/Item>/g)].map((match) => match[1]!);
}

function xmlValue(item: string, tag: string): string | undefined {
  return new RegExp(`<DicomAttribute\\b[^>]*\\btag="${tag}"[^>]*>\\s*<Value\\b[^>]*>([^<]*)</Value>`, 'i').exec(item)?.[1]?.trim();
}
