import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDestinations, readPacsConfig, type DicomWebDestination } from '../src/outbox/config.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'dermacam-config-'));
function configWith(destinations: unknown, mode = 0o644): string {
  const file = path.join(folder, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ destinations }), { mode });
  chmodSync(file, mode);
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

  it('reads what every object says of this device, and refuses a value its attribute cannot hold in one sentence', async () => {
    const write = (settings: object) => {
      const file = path.join(folder, `equipment-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify({ destinations: [], ...settings }));
      return file;
    };
    const equipment = { issuerOfPatientId: 'CLINIC-DERM', stationName: 'DERM-PI-2', deviceSerialNumber: 'RPI-10000000abcdef' };
    expect(await readPacsConfig(write(equipment))).toEqual({ destinations: [], equipment });
    expect((await readPacsConfig(path.join(folder, 'absent.json'))).equipment).toEqual({});
    const tooLong = write({ stationName: 'DERMATOLOGY-ROOM-12' }); // SH: 16
    await expect(readPacsConfig(tooLong)).rejects.toThrow(`The "stationName" in ${tooLong} must be text of 1-16 characters (fewer with accented letters) without a backslash or control characters.`);
    await expect(readPacsConfig(write({ issuerOfPatientId: 'A\\B' }))).rejects.toThrow(/^The "issuerOfPatientId" in .* must be text of 1-64 characters/);
    await expect(readPacsConfig(write({ deviceSerialNumber: 42 }))).rejects.toThrow(/"deviceSerialNumber"/);
  });

  it('has no destinations without a file, unless the file was named', async () => {
    expect(await readDestinations(path.join(folder, 'absent.json'))).toEqual([]);
    await expect(readDestinations(path.join(folder, 'absent.json'), { required: true })).rejects.toThrow(/cannot be read: the file does not exist\.$/);
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

  it('takes Basic and Bearer credentials from fields or from files of mode 0600, and never keeps them in the url (D9)', async () => {
    writeFileSync(path.join(folder, 'password'), 's3cret\n', { mode: 0o600 });
    writeFileSync(path.join(folder, 'token'), 'tok-123', { mode: 0o600 });
    const basic = `Basic ${Buffer.from('dermacam:s3cret').toString('base64')}`;
    const destinations = (await readDestinations(
      configWith(
        [
          { name: 'fields', dicomweb: { url: 'https://pacs/dicom-web', user: 'dermacam', password: 's3cret' } },
          { name: 'file', dicomweb: { url: 'https://pacs/dicom-web', user: 'dermacam', passwordFile: 'password' } },
          { name: 'bearer', dicomweb: { url: 'https://pacs/dicom-web', token: 'tok-123' } },
          { name: 'bearer-file', dicomweb: { url: 'https://pacs/dicom-web', tokenFile: 'token' } },
          { name: 'old-way', dicomweb: { url: 'https://dermacam:s3cret@pacs/dicom-web' } },
        ],
        0o600,
      ),
    )) as DicomWebDestination[];
    expect(destinations.map((destination) => destination.authorization)).toEqual([basic, basic, 'Bearer tok-123', 'Bearer tok-123', basic]);
    for (const destination of destinations) expect(destination.url.href).toBe('https://pacs/dicom-web');
  });

  it('refuses a secret that others can read, in one sentence (D9)', async () => {
    writeFileSync(path.join(folder, 'open-password'), 's3cret', { mode: 0o644 });
    chmodSync(path.join(folder, 'open-password'), 0o640);
    await expect(readDestinations(configWith([{ name: 'a', dicomweb: { url: 'https://pacs', user: 'u', passwordFile: 'open-password' } }], 0o600))).rejects.toThrow(
      /^The password file .*open-password holds a secret that others can read \(mode 0640\); chmod 600 it\.$/,
    );
    await expect(readDestinations(configWith([{ name: 'a', dicomweb: { url: 'https://pacs', token: 't' } }], 0o644))).rejects.toThrow(
      /^The configuration .*\.json holds a secret that others can read \(mode 0644\); chmod 600 it, or put the token in a "tokenFile" of mode 0600\.$/,
    );
    const refusals: [unknown, RegExp][] = [
      [{ url: 'https://pacs', user: 'u' }, /has a "user" but no "password" or "passwordFile"/],
      [{ url: 'https://pacs', password: 'p' }, /has a password but no "user"/],
      [{ url: 'https://pacs', user: 'u', password: 'p', token: 't' }, /has both a password and a token/],
      [{ url: 'https://pacs', user: 'u', passwordFile: 'absent' }, /password file .*absent of the destination "a" cannot be read: the file does not exist\.$/],
    ];
    for (const [dicomweb, why] of refusals) await expect(readDestinations(configWith([{ name: 'a', dicomweb }], 0o600))).rejects.toThrow(why);
  });
});

