import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDestinations } from '../src/outbox/config.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'dermacam-config-'));
function configWith(destinations: unknown): string {
  const file = path.join(folder, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ destinations }));
  return file;
}

describe('the outbox configuration', () => {
  it('reads DICOMweb and C-STORE destinations, with a CA file beside the config', async () => {
    writeFileSync(path.join(folder, 'pacs-ca.pem'), 'certificate');
    const destinations = await readDestinations(
      configWith([
        { name: 'web', dicomweb: { url: 'https://pacs.example.org/dicom-web', ca: 'pacs-ca.pem' } },
        { name: 'local', dicomweb: { url: 'http://127.0.0.1:8042/dicom-web' } },
        { name: 'dimse', cstore: { host: '10.0.0.5', port: 104, calledAe: 'PACS', callingAe: 'DERMACAM-1' } },
      ]),
    );
    expect(destinations.map((destination) => destination.kind)).toEqual(['dicomweb', 'dicomweb', 'cstore']);
    expect(destinations[0]).toMatchObject({ name: 'web', ca: Buffer.from('certificate') });
  });

  it('has no destinations without a file, unless the file was named', async () => {
    expect(await readDestinations(path.join(folder, 'absent.json'))).toEqual([]);
    await expect(readDestinations(path.join(folder, 'absent.json'), { required: true })).rejects.toThrow(/cannot be read \(ENOENT\)\.$/);
  });

  it('refuses, in one sentence, what would send pictures in the clear or cannot work', async () => {
    const refusals: [unknown, RegExp][] = [
      [[{ name: 'web', dicomweb: { url: 'http://pacs.example.org/dicom-web' } }], /plain http to pacs\.example\.org; use https/],
      [[{ name: 'web', dicomweb: { url: 'ftp://pacs' } }], /must start with https:\/\//],
      [[{ name: 'bad name!', dicomweb: { url: 'https://pacs' } }], /needs a "name"/],
      [[{ name: 'a', cstore: { host: 'pacs', port: 70000, calledAe: 'PACS', callingAe: 'ME' } }], /"port" from 1 to 65535/],
      [[{ name: 'a', cstore: { host: 'pacs', port: 104, calledAe: 'A-TITLE-FAR-TOO-LONG', callingAe: 'ME' } }], /"calledAe" AE title of 1-16/],
      [[{ name: 'a', dicomweb: { url: 'https://pacs', ca: 'missing.pem' } }], /CA file .*missing\.pem .* cannot be read/],
      [[{ name: 'a', dicomweb: { url: 'https://a' } }, { name: 'a', dicomweb: { url: 'https://b' } }], /Two destinations .* are named "a"/],
      [[{ name: 'a' }], /needs "dicomweb" .* or "cstore"/],
    ];
    for (const [destinations, why] of refusals) await expect(readDestinations(configWith(destinations)), JSON.stringify(destinations)).rejects.toThrow(why);
    const notJson = path.join(folder, 'broken.json');
    writeFileSync(notJson, '{ destinations: ');
    await expect(readDestinations(notJson)).rejects.toThrow(/is not valid JSON/);
  });
});
