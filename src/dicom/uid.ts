import { createHash } from 'node:crypto';

/**
 * A DICOM UID derived from names: `2.25.` and a name-based UUID read as one integer (PS3.5
 * B.2). The same names always give the same UID, so an object sent twice is the same object,
 * and names that include the log's identity cannot collide with another Pi's.
 */
export function derivedUid(...names: string[]): string {
  const bytes = createHash('sha256').update(JSON.stringify(names)).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8: a custom, name-based UUID (RFC 9562)
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // the RFC's variant
  return `2.25.${BigInt(`0x${bytes.toString('hex')}`).toString(10)}`;
}
