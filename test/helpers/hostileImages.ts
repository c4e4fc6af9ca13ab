import path from 'node:path';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { seededRandom } from '../../src/metrics/bootstrap.js';
import { FIXTURES } from './paths.js';

/** A PNG whose header claims width x height but that holds almost no data. */
export function pngHeaderClaiming(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * Hostile and odd pictures, the same every run: random bytes, truncated and bit-flipped JPEG, PNG
 * and WebP, 1x1, a 20000x20000 header, 16-bit, grayscale, CMYK, GIF and animated WebP.
 */
export async function hostileImages(): Promise<{ name: string; bytes: Buffer }[]> {
  const cases: { name: string; bytes: Buffer }[] = [];
  const random = seededRandom(7);
  const fixture = readFileSync(path.join(FIXTURES, 'ISIC_0024323.jpg'));
  const png = await sharp(fixture).png().toBuffer();
  const webp = await sharp(fixture).webp().toBuffer();
  const add = (name: string, bytes: Buffer) => cases.push({ name, bytes });
  for (let i = 0; i < 10; i++) add(`random-${i}.jpg`, Buffer.from(Array.from({ length: 1 + Math.floor(random() * 5000) }, () => Math.floor(random() * 256))));
  for (const [kind, bytes] of [['jpg', fixture], ['png', png], ['webp', webp]] as const) {
    for (let i = 0; i < 8; i++) add(`truncated-${i}.${kind}`, bytes.subarray(0, Math.floor(random() * bytes.length)));
    for (let i = 0; i < 8; i++) {
      const flipped = Buffer.from(bytes);
      for (let k = 0; k < 1 + i * 4; k++) flipped[Math.floor(random() * flipped.length)] ^= 1 << Math.floor(random() * 8);
      add(`bitflip-${i}.${kind}`, flipped);
    }
  }
  add('one-pixel.png', await sharp({ create: { width: 1, height: 1, channels: 3, background: '#884422' } }).png().toBuffer());
  add('claims-20000x20000.png', pngHeaderClaiming(20000, 20000));
  add('sixteen-bit.png', await sharp(fixture).toColourspace('rgb16').png().toBuffer());
  add('grayscale.jpg', await sharp(fixture).grayscale().jpeg().toBuffer());
  add('cmyk.jpg', await sharp(fixture).toColourspace('cmyk').jpeg().toBuffer());
  add('still.gif', await sharp(fixture, { animated: false }).resize(60, 45).gif().toBuffer());
  add('animated.webp', await sharp([await sharp(fixture).resize(60, 45).png().toBuffer(), await sharp(fixture).resize(60, 45).negate().png().toBuffer()], { join: { animated: true } }).webp().toBuffer());
  return cases;
}
