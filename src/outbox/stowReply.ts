import { escapeControlCharacters, shortenMiddle } from '../text.js';
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

/** The most of a server's reason phrase or content type that a sentence quotes. */
const MAX_QUOTED = 60;

/**
 * What a STOW-RS reply says about the instance sent: stored only when a 200 or 202 carries a DICOM JSON or XML
 * response whose Referenced SOP Sequence names it (a 202, or a Warning Reason, is kept as a warning); refused when
 * the Failed SOP Sequence names it; anything else (a proxy's login page, say) is not stored, and is tried again.
 */
export function readStowReply(reply: HttpReply, sopInstanceUid: string, where: string): Stored {
  const http = `HTTP ${reply.status}${reply.statusMessage ? ` ${serverText(reply.statusMessage)}` : ''}`;
  const response = parseResponse(reply);
  const failure = response?.failed.find((item) => item.uid === sopInstanceUid);
  if (failure) throw new Refusal(`${where} refused the picture (${http}${failure.reason === undefined ? '' : `, Failure Reason ${describeStatus(failure.reason)}`}).`);
  if (reply.status !== 200 && reply.status !== 202) {
    const Failure = PERMANENT_HTTP.has(reply.status) ? Refusal : DeliveryError;
    throw new Failure(`${where} refused the picture (${http}).`);
  }
  if (!response) throw new DeliveryError(`${where} answered ${http} with ${reply.contentType ? `"${serverText(reply.contentType.split(';')[0]!)}"` : 'no content type'}, not a DICOM reply, so the picture is not taken as stored.`);
  const stored = response.referenced.find((item) => item.uid === sopInstanceUid);
  if (!stored) throw new DeliveryError(`${where} answered ${http} without naming the picture among those it stored.`);
  if (reply.status === 202 || stored.reason !== undefined) {
    return { warning: `${where} stored the picture with a warning (${http}${stored.reason === undefined ? '' : `, Warning Reason ${describeStatus(stored.reason)}`}).` };
  }
  return {};
}

/** Text the server chose, as a sentence may quote it: short, and unable to steer the terminal that shows it. */
const serverText = (text: string) => shortenMiddle(escapeControlCharacters(text), MAX_QUOTED);

/** The reply's body as a STOW-RS response, from DICOM JSON or DICOM XML; undefined for any other body, or one of another shape. */
function parseResponse({ contentType = '', body }: HttpReply): StowResponse | undefined {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/dicom+json' || type === 'application/json') return parseJson(body.toString('utf8'));
  if (type === 'application/dicom+xml' || type === 'application/xml' || type === 'text/xml') return parseXml(body.toString('utf8'));
  return undefined;
}

/** A DICOM status code (a Failure or Warning Reason, US); anything else is no reason at all. */
function statusCode(value: unknown): number | undefined {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff ? (value as number) : undefined;
}

type JsonObject = Record<string, unknown>;

const isJsonObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseJson(text: string): StowResponse | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const dataset = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!isJsonObject(dataset)) return undefined;
  const referenced = jsonItems(dataset, REFERENCED_SOP_SEQUENCE);
  const failed = jsonItems(dataset, FAILED_SOP_SEQUENCE);
  return referenced && failed ? { referenced, failed } : undefined;
}

/** The items of a sequence in DICOM JSON (PS3.18 F.2); undefined where the sequence is not shaped as one. */
function jsonItems(dataset: JsonObject, tag: string): ReplyItem[] | undefined {
  const sequence = dataset[tag];
  if (sequence === undefined) return [];
  if (!isJsonObject(sequence)) return undefined;
  const items = sequence.Value ?? [];
  if (!Array.isArray(items) || !items.every(isJsonObject)) return undefined;
  return items.map((item) => {
    const uid = firstJsonValue(item, REFERENCED_SOP_INSTANCE_UID);
    return { uid: typeof uid === 'string' ? uid : undefined, reason: statusCode(firstJsonValue(item, FAILURE_REASON) ?? firstJsonValue(item, WARNING_REASON)) };
  });
}

function firstJsonValue(item: JsonObject, tag: string): unknown {
  const element = item[tag];
  return isJsonObject(element) && Array.isArray(element.Value) ? element.Value[0] : undefined;
}

/** PS3.19's Native DICOM Model, read for the two sequences at its top level only. */
function parseXml(text: string): StowResponse | undefined {
  const model = readXml(text).find((element) => element.name === 'NativeDicomModel');
  if (!model) return undefined;
  const items = (tag: string): ReplyItem[] =>
    childAttributes(model, tag).flatMap((sequence) =>
      children(sequence, 'Item').map((item) => {
        const reason = xmlValue(text, item, FAILURE_REASON) ?? xmlValue(text, item, WARNING_REASON);
        return { uid: xmlValue(text, item, REFERENCED_SOP_INSTANCE_UID), reason: statusCode(reason && /^\d+$/.test(reason) ? Number(reason) : undefined) };
      }),
    );
  return { referenced: items(REFERENCED_SOP_SEQUENCE), failed: items(FAILED_SOP_SEQUENCE) };
}

/** An XML element as the reader found it: its DICOM tag (the `tag` attribute), where its content lies, and whether its end tag came. */
interface XmlElement {
  name: string;
  tag?: string;
  children: XmlElement[];
  contentStart: number;
  contentEnd: number;
  closed: boolean;
}

const children = (element: XmlElement, name: string) => element.children.filter((child) => child.closed && child.name === name);
const childAttributes = (element: XmlElement, tag: string) => children(element, 'DicomAttribute').filter((child) => child.tag === tag);

/** The text of the first `<Value>` of the element's `<DicomAttribute tag="…">`; undefined where the Value holds elements. */
function xmlValue(xml: string, element: XmlElement, tag: string): string | undefined {
  const value = childAttributes(element, tag).flatMap((attribute) => children(attribute, 'Value'))[0];
  return value && value.children.length === 0 ? xml.slice(value.contentStart, value.contentEnd).trim() : undefined;
}

/**
 * The elements of an XML document, nested, from a single pass over its tags (each `<` to its `>`), so that
 * malformed input of any size costs time in proportion to it. An element counts only once its end tag is found;
 * an end tag with no open element of its name is ignored. Comments, CDATA and entities are not read: PS3.19's
 * replies have none where this reader looks.
 */
function readXml(xml: string): XmlElement[] {
  const root: XmlElement = { name: '', children: [], contentStart: 0, contentEnd: xml.length, closed: true };
  const open: XmlElement[] = [root];
  const openCount = new Map<string, number>(); // how many of each name are open, so that a stray end tag costs no search
  for (let start = xml.indexOf('<'); start >= 0; ) {
    const end = xml.indexOf('>', start + 1);
    if (end < 0) break; // no tag can end after this one
    const [, slash = '', name = '', attributes = '', selfClosing = ''] = /^<(\/?)([A-Za-z_][\w.:-]*)([\s\S]*?)(\/?)$/.exec(xml.slice(start, end)) ?? [];
    if (name && !slash) {
      const element: XmlElement = { name, tag: tagAttribute(attributes), children: [], contentStart: end + 1, contentEnd: end + 1, closed: selfClosing !== '' };
      open.at(-1)!.children.push(element);
      if (!element.closed) {
        open.push(element);
        openCount.set(name, (openCount.get(name) ?? 0) + 1);
      }
    } else if (name && openCount.get(name)) {
      let element: XmlElement;
      do {
        element = open.pop()!; // an element left open inside it ends with it, uncounted
        openCount.set(element.name, openCount.get(element.name)! - 1);
      } while (element.name !== name);
      element.contentEnd = start;
      element.closed = true;
    }
    start = xml.indexOf('<', end + 1);
  }
  return root.children;
}

function tagAttribute(attributes: string): string | undefined {
  const match = /(?:^|\s)tag\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(attributes);
  return (match?.[1] ?? match?.[2])?.toUpperCase();
}
