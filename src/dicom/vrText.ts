/**
 * Text fitted to a DICOM value representation (PS3.5 6.2), so that no operator, camera or note can make
 * an object a validator rejects. Lengths are in bytes, as the standard counts them: with Specific
 * Character Set ISO_IR 192 (UTF-8) a character takes one to four, and a cut never splits one.
 */

/** The longest values of the string VRs the objects use, in bytes. */
export const VR_MAX_BYTES = { SH: 16, LO: 64, PN: 64, LT: 10_240 } as const;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** LT may hold line breaks (CR, LF, FF and TAB are allowed in it); not ESC, which would switch character sets. */
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/g;

/** At most `maxBytes` bytes of `text` in UTF-8, cut between characters. */
export function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    bytes += Buffer.byteLength(character, 'utf8');
    if (bytes > maxBytes) break;
    end += character.length;
  }
  return text.slice(0, end);
}

/** One value of SH or LO: no backslash (the value separator), no control character, trailing spaces dropped (they are padding). */
export function oneValue(text: string, vr: 'SH' | 'LO'): string {
  return cutToBytes(text.replace(CONTROL, ' ').replaceAll('\\', '/').trim(), VR_MAX_BYTES[vr]).trimEnd();
}

/**
 * A person's name as one PN value with a single component (the family name component holds the whole name
 * as typed): `^` and `=`, which would split it into components and groups, and backslashes become spaces.
 */
export function personName(text: string): string {
  return cutToBytes(text.replace(CONTROL, ' ').replace(/[\\^=]/g, ' ').replace(/ +/g, ' ').trim(), VR_MAX_BYTES.PN).trimEnd();
}

/** Long text (LT): line breaks kept, other control characters dropped, at most 10,240 bytes. */
export function longText(text: string): string {
  return cutToBytes(text.replace(CONTROL_BUT_LINE_BREAKS, ' '), VR_MAX_BYTES.LT).trimEnd();
}
