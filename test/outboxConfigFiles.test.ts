import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, readDestinations, readPacsConfig } from '../src/outbox/config.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'dermacam-config-files-'));

function write(name: string, text: string, mode = 0o600): string {
  const file = path.join(folder, name);
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  return file;
}

const configWith = (name: string, dicomweb: object, mode = 0o600) => write(name, JSON.stringify({ destinations: [{ name: 'web', dicomweb }] }), mode);

/** The sentence readPacsConfig refuses `file` with. */
async function refusalOf(file: string, options?: { required?: boolean }): Promise<string> {
  const error = await readPacsConfig(file, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

describe('a configuration that is not JSON (secrets stay out of the sentence)', () => {
  it('says where the JSON breaks, never what the file says there', async () => {
    const broken: [text: string, line: number, column: number][] = [
      ['{"destinations":[{"name":"p","dicomweb":{"url":"https://pacs.example.org/dicom-web","user":"u","password":hunter2-SECRET}}]}', 1, 107],
      ['{"destinations":[{"name":"web","dicomweb":{"url":"https://pacs.example/dicom-web","token":eyJhbGciOiJIUzI1NiJ9.SECRET}}]}', 1, 91],
      ['{"destinations":[{"name":"p","dicomweb":{"url":"https://pacs.example.org/dicom-web","user":"u","password":"hunter2-SECRET" x}}]}', 1, 124],
      ['{"destinations":[{"name":"p","dicomweb":{"url":"https://pacs.example.org/dicom-web","user":"u","password":"hunter2-SECRET"}}] x}', 1, 127],
      ['{"destinations":[{"name":"web","dicomweb":{"url":"https://pacs.example/dicom-web","user":"room2","password":"Sup3r"S3cret!"}}]}', 1, 116],
      ['{\n  "destinations": [\n    { "name": "web", "dicomweb": { "url": "https://pacs", "user": "u", "password": "hunter2-SECRET\t" } }\n  ]\n}', 3, 99],
      ['{\n  "destinations": [\n    { "name": "web", "token": "hunter2-SECRET"', 3, 47],
      ['{"password": "h\u00e9unter2-SECRET" ]', 1, 32],
      ['', 1, 1],
    ];
    for (const [text, line, column] of broken) {
      const file = write('broken.json', text);
      const message = await refusalOf(file);
      expect(message, text).toBe(`The configuration ${file} is not valid JSON (at line ${line}, column ${column}).`);
      expect(message).not.toMatch(/hunter|SECRET|S3cret|eyJ/);
    }
  });
});

describe('a configuration saved by Windows Notepad', () => {
  it('is read though it begins with a UTF-8 byte order mark', async () => {
    const file = write('bom.json', `\uFEFF${JSON.stringify({ destinations: [{ name: 'web', dicomweb: { url: 'https://pacs.example.org/dicom-web' } }] })}`);
    expect(await readDestinations(file)).toMatchObject([{ name: 'web', kind: 'dicomweb' }]);
  });
});

describe('a token an HTTP header cannot carry', () => {
  it('is refused in one sentence naming the destination, never quoting the token', async () => {
    for (const token of ['abc\ndef', 'abc\rdef', 'abc\u0000def', 'abc\u007fdef', 'abc\u20acdef']) {
      write('token-file', token);
      for (const dicomweb of [{ url: 'https://pacs.example.org/dicom-web', tokenFile: 'token-file' }, { url: 'https://pacs.example.org/dicom-web', token }]) {
        const message = await refusalOf(configWith('bad-token.json', dicomweb));
        expect(message, JSON.stringify(dicomweb)).toBe(
          'The token of the destination "web" holds a character that an HTTP header cannot carry (a line break or other control character, or one beyond U+00FF); give it on one line.',
        );
      }
    }
    write('token-file', 'abc\tdef\u00e9');
    expect(await readDestinations(configWith('latin1-token.json', { url: 'https://pacs.example.org/dicom-web', tokenFile: 'token-file' }))).toMatchObject([{ authorization: 'Bearer abc\tdef\u00e9' }]);
  });
});

describe('credentials in the url (D9)', () => {
  it('refuses a password in the url of a configuration others can read', async () => {
    const url = 'https://room2:Secret@pacs.example.org/dicom-web';
    const readable = configWith('userinfo-readable.json', { url }, 0o644);
    expect(await refusalOf(readable)).toBe(
      `The configuration ${readable} holds a secret that others can read (mode 0644); chmod 600 it, or give "user" and put the password in a "passwordFile" of mode 0600.`,
    );
    const [destination] = await readDestinations(configWith('userinfo-private.json', { url }, 0o600));
    expect(destination).toMatchObject({ authorization: `Basic ${Buffer.from('room2:Secret').toString('base64')}` });
    // a user without a password is no secret
    expect(await readDestinations(configWith('user-only.json', { url: 'https://room2@pacs.example.org/dicom-web' }, 0o644))).toHaveLength(1);
  });

  it('refuses a malformed %-escape in the url\'s user or password in one sentence', async () => {
    const file = configWith('bad-escape.json', { url: 'https://room2:%E0%A4%A@pacs.example.org/dicom-web' });
    expect(await refusalOf(file)).toBe('The destination "web" url has a user or password with a malformed %-escape; give them as "user" and "passwordFile" instead.');
  });

  it('refuses a url with a query or fragment, which would print a token and post to the wrong path', async () => {
    for (const url of ['https://pacs.example.org/dicom-web?access_token=SECRETQUERYTOKEN', 'http://room2:Sup3rS3cret@localhost:1/dicom-web?access_token=SECRET#frag', 'https://pacs.example.org/dicom-web#part', 'https://pacs.example.org/dicom-web?']) {
      const message = await refusalOf(configWith('query.json', { url }, 0o644));
      expect(message, url).toBe('The destination "web" url has a query or fragment ("?…" or "#…"), which dermacam does not take; give credentials as "token", or "user" and "password".');
    }
  });
});

describe('files the configuration is or names (a FIFO, a device, a folder, a huge file)', () => {
  const fifo = path.join(folder, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const notRegular = 'it is not a regular file (a pipe, socket or device).';

  it('refuses a configuration that is not a small regular file, at once, in one sentence naming it', async () => {
    expect(await refusalOf(fifo)).toBe(`The configuration ${fifo} cannot be read: ${notRegular}`);
    expect(await refusalOf('/dev/zero', { required: true })).toBe(`The configuration /dev/zero cannot be read: ${notRegular}`);
    const huge = write('huge.json', `{"destinations":[]${' '.repeat(2 << 20)}}`);
    expect(await refusalOf(huge)).toBe(`The configuration ${huge} cannot be read: the file is larger than the limit of 1 MB.`);
    const subfolder = path.join(folder, 'a-folder.json');
    mkdirSync(subfolder);
    expect(await refusalOf(subfolder)).toMatch(new RegExp(`^The configuration ${subfolder} cannot be read: it is a folder, not an? [a-z ]*file\\.$`));
    expect(await refusalOf(path.join(folder, 'absent.json'), { required: true })).toBe(`The configuration ${path.join(folder, 'absent.json')} cannot be read: the file does not exist.`);
  });

  it('has no destinations where the default configuration is absent, or a link to nothing', async () => {
    expect(await readDestinations(path.join(folder, 'absent.json'))).toEqual([]);
    const dangling = path.join(folder, 'dangling.json');
    symlinkSync(path.join(folder, 'nowhere.json'), dangling);
    expect(await readDestinations(dangling)).toEqual([]);
  });

  it('refuses a "ca" or a secret file that is a FIFO or a device, in one sentence naming it', async () => {
    const refusals: [dicomweb: object, sentence: string][] = [
      [{ url: 'https://pacs.example.org/dicom-web', ca: fifo }, `The CA file ${fifo} of the destination "web" cannot be read: ${notRegular}`],
      [{ url: 'https://pacs.example.org/dicom-web', ca: '/dev/zero' }, `The CA file /dev/zero of the destination "web" cannot be read: ${notRegular}`],
      [{ url: 'https://pacs.example.org/dicom-web', user: 'u', passwordFile: '/dev/zero' }, `The password file /dev/zero of the destination "web" cannot be read: ${notRegular}`],
      [{ url: 'https://pacs.example.org/dicom-web', tokenFile: fifo }, `The token file ${fifo} of the destination "web" cannot be read: ${notRegular}`],
    ];
    for (const [dicomweb, sentence] of refusals) expect(await refusalOf(configWith('names-special.json', dicomweb))).toBe(sentence);
  });
});
