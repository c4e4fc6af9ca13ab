/**
 * The pixel size a JPEG or PNG states in its header, read without libvips (a libvips call costs
 * half a millisecond before it does anything); undefined for other formats or a header that does
 * not parse, which libvips then reads. Orientation is not applied: callers use the shorter side.
 */
export function imageSizeInHeader(data: Uint8Array): { width: number; height: number } | undefined {
  const size = isPng(data) ? pngSize(data) : isJpeg(data) ? jpegSize(data) : undefined;
  return size && size.width > 0 && size.height > 0 ? size : undefined;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (data: Uint8Array) => data.length >= 24 && PNG_SIGNATURE.every((byte, i) => data[i] === byte);
const isJpeg = (data: Uint8Array) => data.length >= 4 && data[0] === 0xff && data[1] === 0xd8;

const uint16 = (data: Uint8Array, at: number) => (data[at]! << 8) | data[at + 1]!;
const uint32 = (data: Uint8Array, at: number) => uint16(data, at) * 65536 + uint16(data, at + 2);

function pngSize(data: Uint8Array) {
  // the first chunk is IHDR: length, type, then width and height
  if (String.fromCharCode(...data.subarray(12, 16)) !== 'IHDR') return undefined;
  return { width: uint32(data, 16), height: uint32(data, 20) };
}

/** Start-of-frame markers, which carry the size: C0-CF except DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

const jpegSize = (data: Uint8Array) => jpegFrameHeader(data)?.size;

const BASELINE_FRAME = 0xc0;

/**
 * Whether a JPEG is coded as DICOM's JPEG Baseline transfer syntax carries it, so that a PACS can
 * get it byte for byte: baseline sequential (SOF0, 8 bits, Huffman), grey or three-colour. A
 * progressive, extended, arithmetic-coded or CMYK JPEG is not.
 */
export function isBaselineJpeg(data: Uint8Array): boolean {
  const frame = isJpeg(data) ? jpegFrameHeader(data) : undefined;
  return frame?.marker === BASELINE_FRAME && (frame.components === 1 || frame.components === 3);
}

/** The first frame header of a JPEG: its start-of-frame marker, pixel size and number of colour components. */
function jpegFrameHeader(data: Uint8Array) {
  let at = 2;
  while (at + 10 <= data.length) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    // a segment: marker, its length (counting itself), then for a frame: precision, height, width, components
    if (isStartOfFrame(marker)) return { marker, size: { width: uint16(data, at + 7), height: uint16(data, at + 5) }, components: data[at + 9]! };
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or start of scan before any frame
    at += 2 + uint16(data, at + 2);
  }
  return undefined;
}
