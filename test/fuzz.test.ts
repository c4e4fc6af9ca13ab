import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../src/metrics/bootstrap.js';
import { jsonLines, runCli } from './helpers/cli.js';
import { FIXTURES } from './helpers/paths.js';
import { writeTinyModel } from './helpers/tinyModel.js';

/** A PNG whose header claims width x height but that holds almost no data. */
function pngHeaderClaiming(width: number, height: number): Buffer {
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

let dir: string;
let modelDir: string;
const cases: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-fuzz-'));
  modelDir = await writeTinyModel();
  const random = seededRandom(7);
  const fixture = readFileSync(path.join(FIXTURES, 'ISIC_0024323.jpg'));
  const png = await sharp(fixture).png().toBuffer();
  const webp = await sharp(fixture).webp().toBuffer();
  const add = (name: string, bytes: Buffer) => {
    writeFileSync(path.join(dir, name), bytes);
    cases.push(name);
  };
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
});

describe('hostile images through classify', () => {
  it('ends every case in a result or a one-sentence refusal, within a time limit and bounded memory', async () => {
    const started = Date.now();
    const result = await runCli(['classify', '--json', '--backend', 'cpu', '--model', modelDir, ...cases.map((name) => path.join(dir, name))], { timeoutMs: 120_000 });
    const lines = jsonLines(result.stdout);
    expect(lines).toHaveLength(cases.length);
    for (const line of lines) {
      if ('error' in line) expect(line.error).toMatch(/^[a-z].*\.$/);
      else expect(line.p_malignant).toBeTypeOf('number');
    }
    expect(result.stderr).not.toMatch(/at .*\.js|Error:/);
    expect([0, 1]).toContain(result.code);
    const byName = new Map(lines.map((line) => [path.basename(line.file as string), line]));
    for (const ok of ['one-pixel.png', 'sixteen-bit.png', 'grayscale.jpg', 'cmyk.jpg', 'still.gif', 'animated.webp']) expect(byName.get(ok), ok).toHaveProperty('p_malignant');
    expect(byName.get('claims-20000x20000.png')?.error).toMatch(/larger than the limit/);
    expect(Date.now() - started).toBeLessThan(120_000);
    console.log(`fuzz: ${cases.length} hostile images, ${lines.filter((l) => 'error' in l).length} refused, ${lines.filter((l) => !('error' in l)).length} classified, ${Date.now() - started} ms`);
  });
});
