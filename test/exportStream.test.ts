import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../src/commands/export.js';
import { capturesCsv, capturesCsvChunks, CSV_COLUMNS, neutraliseCell } from '../src/store/csvExport.js';
import { writeExportFile } from '../src/store/exportFile.js';
import { SessionLog, type Capture, type CaptureResult } from '../src/store/sessionLog.js';
import { escapeControlCharacters } from '../src/text.js';
import { runCli } from './helpers/cli.js';
import { CLI } from './helpers/paths.js';

const tempDir = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));
const result: CaptureResult = {
  p_malignant: 0.2, label: 'benign', threshold: 0.3, model_name: 'm', model_sha256: 'a'.repeat(64),
  backend: 'wasm', latency_ms: 10, quality: { ok: true, reasons: [] },
};
/** Every C0 and C1 control character, DEL included. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;

/** A log of `count` captures in two sessions, each with a long camera path: many chunks of CSV rows, and many times a pipe's buffer. */
async function makeLog(count: number): Promise<string> {
  const dir = tempDir('dermacam-export-stream-');
  const log = await SessionLog.open(dir);
  const sessions = [await log.startSession('alice', 'P-1'), await log.startSession('bob', 'P-2')];
  for (let i = 0; i < count; i++) await log.addCapture(sessions[i % 2]!.id, Buffer.from(`jpeg ${i}`), { ...result, p_malignant: i / count, camera: `file:${'/a-deep-folder'.repeat(300)}/${i}.jpg` });
  await log.close();
  return dir;
}

/** The CSV as it was built before it streamed: every capture read at once, one string. */
async function wholeCsv(dir: string): Promise<string> {
  const log = await SessionLog.openForReading(dir);
  try {
    return capturesCsv(log.sessions(), log.captures(), log.lesions());
  } finally {
    await log.close();
  }
}

const noTf = () => Promise.reject(new Error('not needed'));

/** A stdout whose reader is slow: its buffer fills after a few kB, so that the export must wait for it to drain. */
function slowStdout(): { stream: Writable; text: () => string } {
  const received: Buffer[] = [];
  const stream = new Writable({
    highWaterMark: 4096,
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk);
      setTimeout(done, 1);
    },
  });
  return { stream, text: () => Buffer.concat(received).toString('utf8') };
}

describe('export of the whole log, streamed', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeLog(250);
  });

  it('writes to stdout and to --out the very bytes the whole-log CSV had', async () => {
    const expected = await wholeCsv(dir);
    const printed = await runCli(['export', '--all', '--data-dir', dir]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(expected);
    const out = path.join(tempDir('dermacam-export-out-'), 'all.csv');
    const written = await runCli(['export', '--all', '--out', out, '--data-dir', dir]);
    expect(written.stderr).toMatch(/^Wrote 250 captures to .*all\.csv\.\n/);
    expect(readFileSync(out, 'utf8')).toBe(expected);
  });

  it('waits for a slow stdout to drain, and delivers every row', async () => {
    const stdout = slowStdout();
    const stderr = slowStdout();
    expect(await exportCommand(['--all', '--data-dir', dir], { tf: noTf, stdout: stdout.stream, stderr: stderr.stream })).toBe(0);
    await new Promise((resolve) => stdout.stream.end(resolve));
    expect(stdout.text()).toBe(await wholeCsv(dir));
  });

  it('stops quietly when the reader goes away (export | head)', async () => {
    const child = spawn(process.execPath, [CLI, 'export', '--all', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
  });
});

describe('CSV chunks', () => {
  it('reads captures only as far as the chunks taken: an endless source gives its first chunks', () => {
    const capture: Capture = {
      id: 'c', session_id: 's', captured_at: '2026-01-01T00:00:00.000Z', image_path: 's/c.jpg', image_sha256: 'b'.repeat(64),
      p_malignant: 0.2, label: 'benign', threshold: 0.3, model_name: 'm', model_sha256: 'a'.repeat(64), backend: 'wasm',
      latency_ms: 10, quality_ok: 1, quality_reasons: '[]', uncertain_low: null, uncertain_high: null, ood_score: null,
      ood_threshold: null, model_version: null, camera: null, app_version: null, body_site: null, note: null, lesion_id: null,
      withdrawn_at: null, withdrawn_reason: null,
    };
    let read = 0;
    function* endless(): Generator<Capture> {
      for (;;) {
        read++;
        yield capture;
      }
    }
    const chunks = capturesCsvChunks([], endless(), []);
    expect(chunks.next().value).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
    const rows = parse(chunks.next().value as string) as string[][];
    expect(rows.length).toBeGreaterThan(0);
    expect(read).toBe(rows.length); // no capture read beyond the rows written
  });

  it('an export file fed chunk by chunk is whole, or absent when its source fails part-way', async () => {
    const folder = tempDir('dermacam-export-chunks-');
    const whole = path.join(folder, 'whole.csv');
    await writeExportFile(whole, (async function* () {
      yield 'a,b\r\n';
      yield Buffer.from('1,2\r\n');
    })());
    expect(readFileSync(whole, 'utf8')).toBe('a,b\r\n1,2\r\n');
    const broken = path.join(folder, 'broken.csv');
    const failing = (function* () {
      yield 'a,b\r\n';
      throw Object.assign(new Error('disk gone'), { code: 'EIO' });
    })();
    await expect(writeExportFile(broken, failing)).rejects.toThrow(/^The export was not written: .*No file was left at /);
    expect(readdirSync(folder)).toEqual(['whole.csv']);
  });
});

describe('control characters in an export', () => {
  it('reach neither stdout nor the file raw: escaped as in messages, line feeds and tabs kept, formulas still neutralised', async () => {
    const dir = tempDir('dermacam-export-controls-');
    const log = await SessionLog.open(dir);
    const session = await log.startSession('op\u0007erator', '=HYPERLINK("x")');
    const capture = await log.addCapture(session.id, Buffer.from('jpeg'), { ...result, camera: 'file:/tmp/\u001b[31mred\u009b2J\u007f.jpg' });
    await log.annotate(capture.id, { note: 'line one\nline two\tafter a tab\roverwritten' });
    await log.close();

    const printed = await runCli(['export', '--all', '--data-dir', dir]);
    expect(printed.code).toBe(0);
    // the only control characters left: the CRLF record ends, and the note's line feed and tab
    expect(printed.stdout.replaceAll('\r\n', '').replace('line one\nline two\tafter', '')).not.toMatch(CONTROLS);
    const [row] = parse(printed.stdout, { columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({
      camera: 'file:/tmp/\\u001b[31mred\\u009b2J\\u007f.jpg',
      operator: 'op\\u0007erator',
      note: 'line one\nline two\tafter a tab\\roverwritten',
      patient_ref: `'=HYPERLINK("x")`,
    });
    const out = path.join(dir, 'export.csv');
    await runCli(['export', '--all', '--out', out, '--data-dir', dir]);
    expect(readFileSync(out, 'utf8')).toBe(printed.stdout);
  });

  it('cannot start a formula: a leading tab still gets the apostrophe, a leading carriage return is escaped', () => {
    expect(neutraliseCell('\t=1+1')).toBe("'\t=1+1");
    expect(neutraliseCell('\r=1+1')).toBe('\\r=1+1');
    expect(neutraliseCell('\u001b=1+1')).toBe('\\u001b=1+1');
  });

  it('are escaped in messages too, DEL and C1 (CSI is U+009B) included, which JSON leaves raw', () => {
    expect(escapeControlCharacters('a\u001bb\u009bc\u007fd\ne\u00e9')).toBe('a\\u001bb\\u009bc\\u007fd\\ne\u00e9');
  });
});
