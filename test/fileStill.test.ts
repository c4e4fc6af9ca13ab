import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fileStill } from '../src/camera/still.js';
import { fileCamera, folderCamera } from '../src/camera/fileCameras.js';
import { preprocessImage } from '../src/classifier/preprocess.js';
import { isBaselineJpeg } from '../src/imageHeader.js';
import { withoutMetadata } from '../src/jpeg/metadata.js';
import { hostileImages } from './helpers/hostileImages.js';
import { FIXTURES, SHIPPED_MODEL } from './helpers/paths.js';

const fixtureFile = path.join(FIXTURES, 'ISIC_0024323.jpg');
const fixture = readFileSync(fixtureFile);
const card = JSON.parse(readFileSync(path.join(SHIPPED_MODEL, 'model-card.json'), 'utf8'));
const NAME = 'test.jpg';

/** The steps of all quantisation tables of a JPEG (8-bit DQT segments, which libjpeg writes up to quality 100). */
function quantisationSteps(jpeg: Buffer): number[] {
  const steps: number[] = [];
  for (let at = 2; jpeg[at + 1] !== 0xda; at += 2 + jpeg.readUInt16BE(at + 2)) {
    if (jpeg[at + 1] !== 0xdb) continue;
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    for (let table = at + 4; table < end; table += 65) steps.push(...jpeg.subarray(table + 1, table + 65));
  }
  return steps;
}

/** The segments of a JPEG up to its first scan: their markers and where they begin. */
function segmentsUpToScan(jpeg: Buffer): { marker: number; at: number }[] {
  const segments: { marker: number; at: number }[] = [];
  for (let at = 2; segments.at(-1)?.marker !== 0xda; at += 2 + jpeg.readUInt16BE(at + 2)) segments.push({ marker: jpeg[at + 1]!, at });
  return segments;
}

const markersUpToScan = (jpeg: Buffer) => segmentsUpToScan(jpeg).map(({ marker }) => marker);

/** A JPEG's tables, frame and scans, from its first quantisation table to its end of image. */
function imageData(jpeg: Buffer): Buffer {
  const { at } = segmentsUpToScan(jpeg).find(({ marker }) => marker === 0xdb)!;
  return jpeg.subarray(at, jpeg.lastIndexOf(Buffer.from([0xff, 0xd9])) + 2);
}

/** A marker segment: the marker, its length (counting itself), its content. */
function segment(marker: number, content: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(content.length + 2, 2);
  return Buffer.concat([head, content]);
}

const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="patient name"/></rdf:RDF></x:xmpmeta>';

/** Photoshop's APP13 with one IPTC record, the by-line (2:80). */
function iptcSegment(byline: string): Buffer {
  const record = Buffer.concat([Buffer.from([0x1c, 0x02, 0x50, 0, byline.length]), Buffer.from(byline, 'latin1')]);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(record.length);
  const resource = Buffer.concat([Buffer.from('8BIM', 'latin1'), Buffer.from([0x04, 0x04, 0, 0]), size, record, Buffer.alloc(record.length % 2)]);
  return segment(0xed, Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource]));
}

/**
 * The fixture as a phone or camera might save it: JFIF, EXIF, XMP, an ICC profile, Adobe's colour
 * transform (YCbCr, what the scan holds), IPTC and a comment before the image, data after its end.
 */
async function jpegWithMetadata(): Promise<Buffer> {
  const tagged = await sharp(fixture).withExif({ IFD0: { Copyright: 'x', ImageDescription: 'patient name' } }).withXmp(XMP).withIccProfile('p3').jpeg().toBuffer();
  const jfif = segment(0xe0, Buffer.from([...Buffer.from('JFIF\0', 'latin1'), 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  const adobe = segment(0xee, Buffer.from([...Buffer.from('Adobe', 'latin1'), 0, 100, 0, 0, 0, 0, 1]));
  const comment = segment(0xfe, Buffer.from('patient name', 'latin1'));
  const afterEnd = Buffer.from('patient name, appended after the end of the image', 'latin1');
  return Buffer.concat([tagged.subarray(0, 2), jfif, iptcSegment('patient name'), comment, adobe, tagged.subarray(2), afterEnd]);
}

/** Mean and largest absolute difference of two images' pixels, as sharp decodes them (RGB, alpha dropped). */
async function pixelDifference(a: Buffer, b: Buffer): Promise<{ mean: number; max: number }> {
  const rgb = (image: Buffer) => sharp(image).removeAlpha().toColourspace('srgb').raw().toBuffer();
  const [x, y] = await Promise.all([rgb(a), rgb(b)]);
  expect(x.length).toBe(y.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const gap = Math.abs(x[i]! - y[i]!);
    sum += gap;
    max = Math.max(max, gap);
  }
  return { mean: sum / x.length, max };
}

describe('stills from picture files', () => {
  it('are the file itself when it is an upright baseline JPEG, from a file: and a dir: camera', async () => {
    expect((await fileCamera(fixtureFile).capture()).equals(fixture)).toBe(true);
    const first = readFileSync(path.join(FIXTURES, 'ISIC_0024323.jpg')); // the first fixture by name
    expect((await folderCamera(FIXTURES, 4, () => 0).capture()).equals(first)).toBe(true);
    const grey = await sharp(fixture).greyscale().jpeg().toBuffer();
    expect((await fileStill(grey, NAME)).equals(grey)).toBe(true);
  });

  it('hand over an upright baseline JPEG without its metadata, but with its image data as it is', async () => {
    const tagged = await jpegWithMetadata();
    expect(markersUpToScan(tagged)).toEqual([0xe0, 0xed, 0xfe, 0xee, 0xe1, 0xe1, 0xe2, 0xdb, 0xdb, 0xc0, 0xc4, 0xc4, 0xc4, 0xc4, 0xda]);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-metadata-')), 'tagged.jpg');
    writeFileSync(file, tagged);
    const still = await fileCamera(file).capture();

    expect(markersUpToScan(still)).toEqual([0xe0, 0xee, 0xe2, 0xdb, 0xdb, 0xc0, 0xc4, 0xc4, 0xc4, 0xc4, 0xda]);
    const { exif, xmp, iptc, icc } = await sharp(still).metadata();
    expect({ exif, xmp, iptc }).toEqual({ exif: undefined, xmp: undefined, iptc: undefined });
    expect(icc).toEqual((await sharp(tagged).metadata()).icc);
    expect(still.includes('patient name')).toBe(false);
    expect(imageData(still).equals(imageData(tagged))).toBe(true);
    expect(still.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));

    const raw = (image: Buffer) => sharp(image).raw().toBuffer();
    expect((await raw(still)).equals(await raw(tagged))).toBe(true);
    expect(await preprocessImage(still, card.input)).toEqual(await preprocessImage(tagged, card.input));
  });

  it('refuse a JPEG whose marker segments are cut short or do not parse', async () => {
    const headers = segmentsUpToScan(fixture);
    const scan = headers.at(-1)!.at;
    const cutInTable = fixture.subarray(0, headers.at(-2)!.at + 10); // inside the last Huffman table
    const cutInScan = fixture.subarray(0, scan + (fixture.length - scan) / 2);
    const overlongComment = Buffer.concat([fixture.subarray(0, scan), segment(0xfe, Buffer.from('comment')).subarray(0, 6)]);
    const notAMarker = Buffer.concat([fixture.subarray(0, scan), Buffer.from([0x00]), fixture.subarray(scan)]);
    for (const damaged of [cutInTable, cutInScan, overlongComment, notAMarker]) {
      expect(() => withoutMetadata(damaged)).toThrow(/^JPEG .*: the file is truncated or corrupt$/);
      await expect(fileStill(damaged, NAME)).rejects.toThrow(/^test\.jpg is not a picture dermacam can read: the image file is truncated or corrupt\.$/);
    }
    expect(withoutMetadata(fixture).equals(fixture)).toBe(true); // nothing to drop
  });

  it('encode a PNG at JPEG quality 100 without chroma subsampling, the least change JPEG allows', async () => {
    const png = await sharp(fixture).png().toBuffer();
    const still = await fileStill(png, NAME);
    expect(isBaselineJpeg(still)).toBe(true);
    expect((await sharp(still).metadata()).chromaSubsampling).toBe('4:4:4');
    const steps = quantisationSteps(still);
    expect(steps).toHaveLength(128); // a luma and a chroma table
    expect(new Set(steps)).toEqual(new Set([1])); // quality 100: every step 1
    const { mean, max } = await pixelDifference(still, png);
    expect(mean).toBeLessThan(0.2);
    expect(max).toBeLessThanOrEqual(4);
  });

  it('turn a JPEG upright by its EXIF orientation, and encode a progressive JPEG as baseline, so that a PACS can take it', async () => {
    const turned = await sharp(fixture).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
    const upright = await fileStill(turned, NAME);
    const { width, height, orientation, chromaSubsampling } = await sharp(upright).metadata();
    expect({ width, height, orientation, chromaSubsampling }).toEqual({ width: 600, height: 450, orientation: undefined, chromaSubsampling: '4:4:4' });
    expect((await pixelDifference(upright, await sharp(turned).rotate().png().toBuffer())).mean).toBeLessThan(0.2);

    const progressive = await sharp(fixture).jpeg({ progressive: true }).toBuffer();
    expect(isBaselineJpeg(progressive)).toBe(false);
    expect(isBaselineJpeg(await fileStill(progressive, NAME))).toBe(true);
  });

  it("drop a PNG's alpha channel as preprocessing does, instead of flattening it onto black", async () => {
    const { data, info } = await sharp(fixture).ensureAlpha(0.3).raw().toBuffer({ resolveWithObject: true });
    const translucent = await sharp(data, { raw: info }).png().toBuffer();
    expect((await pixelDifference(await fileStill(translucent, NAME), translucent)).mean).toBeLessThan(0.2);
  });

  it('refuse damaged data as classify refuses it, hostile pictures included', async () => {
    // a marker in the middle of the scan, as a flipped bit can make: libvips decodes it with a warning only
    const damaged = Buffer.from(fixture);
    damaged.set([0xff, 0xd0], Math.floor(fixture.length / 2));
    await expect(sharp(damaged, { failOn: 'error' }).raw().toBuffer()).resolves.toBeDefined();
    await expect(preprocessImage(damaged, card.input)).rejects.toThrow(/^the image file is truncated or corrupt\.$/);
    await expect(fileStill(damaged, NAME)).rejects.toThrow(/^test\.jpg is not a picture dermacam can read: the image file is truncated or corrupt\.$/);

    for (const { name, bytes } of await hostileImages()) {
      const refused = async (work: Promise<unknown>) => work.then(() => false, () => true);
      expect(await refused(fileStill(bytes, NAME)), name).toBe(await refused(preprocessImage(bytes, card.input)));
    }
  });
});
