const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const APP15 = 0xef;
const COM = 0xfe;

/** How an APP2 segment that holds (a chunk of) an ICC profile begins. */
const ICC_PROFILE = Buffer.from('ICC_PROFILE\0', 'latin1');

/** Worded as a damaged picture, which is what `describeDecodeFailure` calls it. */
class MalformedJpegError extends Error {
  constructor(what: string) {
    super(`JPEG ${what}: the file is truncated or corrupt`);
  }
}

interface Segment {
  marker: number;
  /** Where it begins, fill bytes before its marker included. */
  start: number;
  /** Where its content begins, after the marker and the length. */
  content: number;
  /** Where it ends: for an SOS, after the entropy-coded data that follows it. */
  end: number;
}

/**
 * A JPEG without the metadata that may name a patient, a place or a camera: EXIF and XMP (APP1),
 * IPTC (APP13), the other application segments, comments, and whatever follows the end of the
 * image (phones append preview images and videos there, each with its own metadata). What the
 * decoder reads is kept byte for byte: the frame, tables, scans, JFIF (APP0), Adobe (APP14, the
 * colour transform) and the ICC profile (APP2), so the picture decodes to the same pixels; the
 * EXIF orientation goes, so the picture must be upright already. Throws on a marker structure
 * that does not parse.
 */
export function withoutMetadata(jpeg: Buffer): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== SOI) throw new MalformedJpegError('data does not begin with a start of image');
  const kept = [jpeg.subarray(0, 2)];
  for (const segment of segments(jpeg)) {
    if (!isMetadata(jpeg, segment)) kept.push(jpeg.subarray(segment.start, segment.end));
  }
  return Buffer.concat(kept);
}

function isMetadata(jpeg: Buffer, { marker, content }: Segment): boolean {
  // an APP2 segment may also hold a multi-picture index, which points past the end of the image
  if (marker === APP2) return !jpeg.subarray(content, content + ICC_PROFILE.length).equals(ICC_PROFILE);
  return marker === COM || (marker >= APP1 && marker <= APP15 && marker !== APP14);
}

/** The segments after the start of image, up to and including the end of image. */
function* segments(jpeg: Buffer): Generator<Segment> {
  let at = 2;
  for (;;) {
    const start = at;
    if (jpeg[at] !== 0xff) throw new MalformedJpegError(`data at byte ${at} is not a marker`);
    while (jpeg[at + 1] === 0xff) at++; // fill bytes
    const marker = jpeg[at + 1];
    if (marker === undefined) throw new MalformedJpegError('data ends before its end of image');
    if (marker === EOI) {
      yield { marker, start, content: at + 2, end: at + 2 };
      return;
    }
    if (!hasLength(marker)) throw new MalformedJpegError(`marker ${marker.toString(16)} at byte ${at} is out of place`);
    if (at + 4 > jpeg.length) throw new MalformedJpegError('data ends inside a marker segment');
    const length = jpeg.readUInt16BE(at + 2);
    if (length < 2) throw new MalformedJpegError(`marker segment at byte ${at} is too short`);
    const end = at + 2 + length;
    if (end > jpeg.length) throw new MalformedJpegError('data ends inside a marker segment');
    const content = at + 4;
    at = marker === SOS ? endOfEntropyCodedData(jpeg, end) : end;
    yield { marker, start, content, end: at };
  }
}

/** Whether a marker begins a segment with a length: TEM, RST0-7, SOI and EOI stand alone, and 00 only stuffs a 0xff in entropy-coded data. */
const hasLength = (marker: number) => marker > 0x01 && !(marker >= 0xd0 && marker <= 0xd9);

/** Where a scan's entropy-coded data ends: at the next marker other than a stuffed 0xff and a restart marker. */
function endOfEntropyCodedData(jpeg: Buffer, from: number): number {
  for (let at = jpeg.indexOf(0xff, from); at !== -1; at = jpeg.indexOf(0xff, at + 1)) {
    const next = jpeg[at + 1];
    if (next === undefined) break;
    if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) return at;
  }
  throw new MalformedJpegError('data ends inside a scan');
}
