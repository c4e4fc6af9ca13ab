import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { EQUIPMENT_FIELDS, equipmentValueProblem, type Equipment } from '../dicom/equipment.js';
import { UserError } from '../errors.js';
import { describeReadFailure, readRegularFile } from '../regularFile.js';
import { describeJsonFault } from './jsonFault.js';

/** `dermacam.json` in the data folder, unless --config names another file. */
export const CONFIG_FILE = 'dermacam.json';

/** A configuration, CA bundle or secret is a few kilobytes: anything larger (/dev/zero, say) is refused unread. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

export interface DicomWebDestination {
  name: string;
  kind: 'dicomweb';
  /** The DICOMweb root; STOW-RS posts to `<url>/studies`. */
  url: URL;
  /** PEM certificates to trust for an HTTPS url, besides the system's. */
  ca?: Buffer;
  /** The Authorization header's value (Basic or Bearer), never printed. */
  authorization?: string;
}

export interface CStoreDestination {
  name: string;
  kind: 'cstore';
  host: string;
  port: number;
  calledAe: string;
  callingAe: string;
}

export type Destination = DicomWebDestination | CStoreDestination;

export class ConfigError extends UserError {}

/** What the configuration says: the PACS destinations, and what every object says of this device. */
export interface PacsConfig {
  destinations: Destination[];
  equipment: Equipment;
}

/** The configured PACS destinations; none when there is no config file. */
export async function readDestinations(file: string, options: { required?: boolean } = {}): Promise<Destination[]> {
  return (await readPacsConfig(file, options)).destinations;
}

/** The whole configuration; no destinations and no equipment when there is no config file. */
export async function readPacsConfig(file: string, { required = false } = {}): Promise<PacsConfig> {
  let text: string;
  try {
    // Windows Notepad may begin the file with a byte order mark, which JSON does not allow
    text = (await readConfigFile(file, `configuration ${file}`)).toString('utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    if (!required && (await isAbsent(file))) return { destinations: [], equipment: {} };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text around the fault, which may be a password
    throw new ConfigError(`The configuration ${file} is not valid JSON${describeJsonFault(text)}.`);
  }
  const entries = (parsed as { destinations?: unknown } | null)?.destinations;
  if (!Array.isArray(entries)) throw new ConfigError(`The configuration ${file} has no "destinations" list.`);
  const destinations: Destination[] = [];
  for (const [index, entry] of entries.entries()) {
    const destination = await parseDestination(entry as Record<string, unknown>, `destination ${index + 1} in ${file}`, file);
    if (destinations.some((other) => other.name === destination.name)) throw new ConfigError(`Two destinations in ${file} are named "${destination.name}".`);
    destinations.push(destination);
  }
  return { destinations, equipment: parseEquipment(parsed as Record<string, unknown>, file) };
}

function parseEquipment(settings: Record<string, unknown>, file: string): Equipment {
  const equipment: Equipment = {};
  for (const field of Object.keys(EQUIPMENT_FIELDS) as (keyof Equipment)[]) {
    if (settings[field] === undefined) continue;
    const problem = equipmentValueProblem(field, settings[field]);
    if (problem) throw new ConfigError(`The "${field}" in ${file} ${problem}.`);
    equipment[field] = (settings[field] as string).trim();
  }
  return equipment;
}

async function parseDestination(entry: Record<string, unknown>, where: string, file: string): Promise<Destination> {
  const name = entry?.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,32}$/.test(name)) throw new ConfigError(`The ${where} needs a "name" of 1-32 letters, digits, dots, dashes or underscores.`);
  const here = `destination "${name}"`;
  if (entry.dicomweb && entry.cstore) throw new ConfigError(`The ${here} has both "dicomweb" and "cstore"; give each its own destination.`);
  if (entry.dicomweb) return { name, kind: 'dicomweb', ...(await parseDicomWeb(entry.dicomweb as Record<string, unknown>, here, file)) };
  if (entry.cstore) return { name, kind: 'cstore', ...parseCStore(entry.cstore as Record<string, unknown>, here) };
  throw new ConfigError(`The ${here} needs "dicomweb" (a STOW-RS url) or "cstore" (host, port and AE titles).`);
}

async function parseDicomWeb(settings: Record<string, unknown>, here: string, file: string): Promise<Omit<DicomWebDestination, 'name' | 'kind'>> {
  let url: URL;
  try {
    url = new URL(String(settings.url));
  } catch {
    throw new ConfigError(`The ${here} has no valid "url" (for example https://pacs.example.org/dicom-web).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`The ${here} url must start with https:// (or http:// on this machine only).`);
  // a query (?access_token=…) would be printed with the url, and requests go to paths under the url, where it has no place
  if (/[?#]/.test(url.href)) throw new ConfigError(`The ${here} url has a query or fragment ("?…" or "#…"), which dermacam does not take; give credentials as "token", or "user" and "password".`);
  // patient pictures never cross a network in clear text
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) throw new ConfigError(`The ${here} sends over plain http to ${url.hostname}; use https (plain http is allowed to this machine only).`);
  const authorization = await readAuthorization(settings, url, here, file);
  // a user:password@ in the url (the old way) is taken out of it, so that printing the url never prints the password
  url.username = '';
  url.password = '';
  let ca: Buffer | undefined;
  if (settings.ca !== undefined) {
    const caFile = path.resolve(path.dirname(file), String(settings.ca));
    ca = await readConfigFile(caFile, `CA file ${caFile} of the ${here}`);
  }
  return { url, ...(ca ? { ca } : {}), ...(authorization ? { authorization } : {}) };
}

/**
 * The Authorization header from "user" with "password" or "passwordFile" (Basic), or "token" or "tokenFile"
 * (Bearer), or the url's user:password@. A secret is read only from a file that no one else can read.
 */
async function readAuthorization(settings: Record<string, unknown>, url: URL, here: string, file: string): Promise<string | undefined> {
  const { user, password, passwordFile, token, tokenFile } = settings;
  const given = (value: unknown) => value !== undefined;
  if ((given(password) || given(passwordFile)) && (given(token) || given(tokenFile))) throw new ConfigError(`The ${here} has both a password and a token; give one.`);
  if (given(password) && given(passwordFile)) throw new ConfigError(`The ${here} has both "password" and "passwordFile"; give one.`);
  if (given(token) && given(tokenFile)) throw new ConfigError(`The ${here} has both "token" and "tokenFile"; give one.`);
  const secret = async (value: unknown, fileName: unknown, what: string) => {
    if (given(fileName)) return (await readSecretFile(path.resolve(path.dirname(file), String(fileName)), what, here)).toString('utf8').trim();
    if (typeof value !== 'string' || value === '') throw new ConfigError(`The ${here} has an empty or malformed "${what}".`);
    await refuseReadableByOthers(file, `configuration`, `, or put the ${what} in a "${what}File" of mode 0600`);
    return value;
  };
  if (given(token) || given(tokenFile)) {
    const bearer = await secret(token, tokenFile, 'token');
    // the token goes into the Authorization header as it is (a user and password go in base64)
    if (NOT_IN_A_HEADER.test(bearer)) throw new ConfigError(`The token of the ${here} holds a character that an HTTP header cannot carry (a line break or other control character, or one beyond U+00FF); give it on one line.`);
    return `Bearer ${bearer}`;
  }
  if (given(password) || given(passwordFile)) {
    if (typeof user !== 'string' || user === '' || user.includes(':')) throw new ConfigError(`The ${here} has a password but no "user" (without a colon).`);
    return basic(user, await secret(password, passwordFile, 'password'));
  }
  if (given(user)) throw new ConfigError(`The ${here} has a "user" but no "password" or "passwordFile".`);
  if (url.username === '') return undefined;
  if (url.password !== '') await refuseReadableByOthers(file, `configuration`, `, or give "user" and put the password in a "passwordFile" of mode 0600`);
  return basic(decodeUserinfo(url.username, here), decodeUserinfo(url.password, here));
}

function decodeUserinfo(text: string, here: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ConfigError(`The ${here} url has a user or password with a malformed %-escape; give them as "user" and "passwordFile" instead.`);
  }
}

/** What Node refuses in a header value (RFC 9110 field-value): anything but tab, 0x20-0x7e and 0x80-0xff. */
const NOT_IN_A_HEADER = /[^\t\x20-\x7e\x80-\xff]/;

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function readSecretFile(file: string, what: string, here: string): Promise<Buffer> {
  const content = await readConfigFile(file, `${what} file ${file} of the ${here}`);
  await refuseReadableByOthers(file, `${what} file`, '');
  return content;
}

/** A secret in a file that the group or others can read is refused: the clinic's PACS account would be everyone's. */
async function refuseReadableByOthers(file: string, what: string, alternative: string): Promise<void> {
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new ConfigError(`The ${what} ${file} holds a secret that others can read (mode ${mode.toString(8).padStart(4, '0')}); chmod 600 it${alternative}.`);
}

/** A file the configuration is or names (`what` says which, with its path), read only if it is a small regular file: a FIFO would hang the reader, /dev/zero fill its memory. */
async function readConfigFile(file: string, what: string): Promise<Buffer> {
  try {
    return await readRegularFile(file, { maxBytes: MAX_CONFIG_FILE_BYTES });
  } catch (error) {
    throw new ConfigError(`The ${what} cannot be read: ${describeReadFailure(error)}`);
  }
}

/** Nothing is there, a link to nothing included: the configuration is optional where no --config names it. */
const isAbsent = (file: string) => stat(file).then(() => false, (error: NodeJS.ErrnoException) => error.code === 'ENOENT');

function parseCStore(settings: Record<string, unknown>, here: string): Omit<CStoreDestination, 'name' | 'kind'> {
  const { host, port, calledAe, callingAe } = settings;
  if (typeof host !== 'string' || host.trim() === '') throw new ConfigError(`The ${here} needs a "host".`);
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) throw new ConfigError(`The ${here} needs a "port" from 1 to 65535.`);
  for (const [field, title] of [['calledAe', calledAe], ['callingAe', callingAe]] as const) {
    // DICOM AE titles: up to 16 characters of printable ASCII, no backslash, not only spaces
    if (typeof title !== 'string' || !/^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(title) || title.trim() === '') {
      throw new ConfigError(`The ${here} needs a "${field}" AE title of 1-16 printable ASCII characters.`);
    }
  }
  return { host, port: port as number, calledAe: calledAe as string, callingAe: callingAe as string };
}

function isLoopback(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}
