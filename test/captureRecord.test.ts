import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { localTime } from '../src/localTime.js';
import { captureHash } from '../src/store/chain.js';
import { capturesCsv, CSV_COLUMNS } from '../src/store/csvExport.js';
import { GENESIS_HASH } from '../src/store/journal.js';
import { CAPTURE_COLUMNS, CAPTURE_FIELDS, captureRecord, INSERT_CAPTURE, parseQualityReasons } from '../src/store/records.js';
import { MIGRATIONS } from '../src/store/schema.js';
import { formatPercent } from '../src/text.js';
import { DATABASE_FILE, SessionLog, type CaptureResult } from '../src/store/sessionLog.js';
import { verifySessionLog } from '../src/store/verify.js';
import { journalOf } from './helpers/journal.js';

// Pins of what a capture becomes on disk, in the journal's hashes and in the CSV, for fixed captures:
// these are contracts (existing data folders must still verify, an export of the same data must give
// the same bytes), so they were taken from the code before the capture's columns had one definition.

const FULL_RESULT: CaptureResult = {
  p_malignant: 0.812345,
  label: 'malignant',
  threshold: 0.16612,
  uncertain_low: 0.126049,
  uncertain_high: 0.215551,
  ood_score: 16.8149,
  ood_threshold: 24.4,
  model_name: 'dermacam-mnv1-075',
  model_version: '3.0.1',
  model_sha256: 'c8b51c6a9fdc'.padEnd(64, '0'),
  backend: 'onnx',
  latency_ms: 31.6,
  quality: { ok: true, reasons: [] },
  camera: 'file:/pictures/Zoë, "left".jpg',
  app_version: '0.1.0',
};

/** A result as written before schema 4: no band, no "not a lesion" score, no versions or camera. */
const OLD_STYLE_RESULT: CaptureResult = {
  p_malignant: null,
  label: 'rejected',
  threshold: 0.4,
  model_name: 'm',
  model_sha256: 'a'.repeat(64),
  backend: 'wasm',
  latency_ms: 9,
  quality: { ok: false, reasons: ['too dark', 'blurred; "very"'] },
};

/** A log made with a fixed clock and fixed ids: one session, two captures, an annotation, a lesion and a withdrawal. */
async function makeFixedLog(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-record-'));
  let tick = 0;
  const log = await SessionLog.open(dir, {
    now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5 + tick++)),
    randomId: () => 'c0ffee',
    newPatientRef: () => 'DERMACAM-0123456789AB',
  });
  const session = await log.startSession('Zoë O\'Neil', 'P-1');
  const first = await log.addCapture(session.id, Buffer.from([0xff, 0xd8, 1, 0xff, 0xd9]), FULL_RESULT);
  const second = await log.addCapture(session.id, Buffer.from([0xff, 0xd8, 2, 0xff, 0xd9]), OLD_STYLE_RESULT);
  await log.annotate(first.id, { body_site: 'back, upper', note: '=line one\nline two' });
  const lesion = await log.addLesion('P-1', 'back, upper');
  await log.attachToLesion(first.id, lesion.id);
  await log.withdrawCapture(second.id, 'too dark');
  await log.close();
  return dir;
}

describe('a capture record on disk, in the journal and in the CSV (pinned)', () => {
  it('writes the same rows and journal entries, with the same hashes, and the log verifies', async () => {
    const dir = await makeFixedLog();
    const db = new Database(path.join(dir, DATABASE_FILE), { readonly: true });
    const rows = db.prepare('SELECT * FROM captures ORDER BY rowid').all();
    const journal = db.prepare('SELECT seq, kind, subject, body, hash FROM journal ORDER BY seq').all();
    db.close();
    expect(JSON.stringify(rows)).toMatchInlineSnapshot(`"[{"id":"030406-c0ffee","session_id":"20260102-030405-c0ffee","captured_at":"2026-01-02T03:04:06.000Z","image_path":"20260102-030405-c0ffee/030406-c0ffee.jpg","image_sha256":"adeaec77d1bc772e9694f8b5d7ba0ab621797f61f2587493ba69bd8dbbf09bf1","p_malignant":0.812345,"label":"malignant","threshold":0.16612,"model_name":"dermacam-mnv1-075","model_sha256":"c8b51c6a9fdc0000000000000000000000000000000000000000000000000000","backend":"onnx","latency_ms":31.6,"quality_ok":1,"quality_reasons":"[]","body_site":"back, upper","note":"=line one\\nline two","withdrawn_at":null,"withdrawn_reason":null,"uncertain_low":0.126049,"uncertain_high":0.215551,"ood_score":16.8149,"ood_threshold":24.4,"model_version":"3.0.1","camera":"file:/pictures/Zoë, \\"left\\".jpg","app_version":"0.1.0","lesion_id":"lesion-20260102-c0ffee"},{"id":"030407-c0ffee","session_id":"20260102-030405-c0ffee","captured_at":"2026-01-02T03:04:07.000Z","image_path":"20260102-030405-c0ffee/030407-c0ffee.jpg","image_sha256":"88af224f60ebdcd7935cca9185b05737d875525c16f8e4025ae3193902ba3fbb","p_malignant":null,"label":"rejected","threshold":0.4,"model_name":"m","model_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","backend":"wasm","latency_ms":9,"quality_ok":0,"quality_reasons":"[\\"too dark\\",\\"blurred; \\\\\\"very\\\\\\"\\"]","body_site":null,"note":null,"withdrawn_at":"2026-01-02T03:04:11.000Z","withdrawn_reason":"too dark","uncertain_low":null,"uncertain_high":null,"ood_score":null,"ood_threshold":null,"model_version":null,"camera":null,"app_version":null,"lesion_id":null}]"`);
    expect(journal).toMatchInlineSnapshot(`
      [
        {
          "body": "{"started_at":"2026-01-02T03:04:05.000Z","operator":"Zoë O'Neil","patient_ref":"P-1"}",
          "hash": "d71279e50ef69bd66545688d0292c2844b76a929c12dd1d02c3e387ecae0cf6b",
          "kind": "session",
          "seq": 1,
          "subject": "20260102-030405-c0ffee",
        },
        {
          "body": "{"session_id":"20260102-030405-c0ffee","captured_at":"2026-01-02T03:04:06.000Z","image_path":"20260102-030405-c0ffee/030406-c0ffee.jpg","image_sha256":"adeaec77d1bc772e9694f8b5d7ba0ab621797f61f2587493ba69bd8dbbf09bf1","p_malignant":0.812345,"label":"malignant","threshold":0.16612,"model_name":"dermacam-mnv1-075","model_sha256":"c8b51c6a9fdc0000000000000000000000000000000000000000000000000000","backend":"onnx","latency_ms":31.6,"quality_ok":1,"quality_reasons":"[]","uncertain_low":0.126049,"uncertain_high":0.215551,"ood_score":16.8149,"ood_threshold":24.4,"model_version":"3.0.1","camera":"file:/pictures/Zoë, \\"left\\".jpg","app_version":"0.1.0"}",
          "hash": "d231b486d3baebf91aab7687999ba60ab6a48346f1c86cf683ed17b465c7f464",
          "kind": "capture",
          "seq": 2,
          "subject": "030406-c0ffee",
        },
        {
          "body": "{"session_id":"20260102-030405-c0ffee","captured_at":"2026-01-02T03:04:07.000Z","image_path":"20260102-030405-c0ffee/030407-c0ffee.jpg","image_sha256":"88af224f60ebdcd7935cca9185b05737d875525c16f8e4025ae3193902ba3fbb","p_malignant":null,"label":"rejected","threshold":0.4,"model_name":"m","model_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","backend":"wasm","latency_ms":9,"quality_ok":0,"quality_reasons":"[\\"too dark\\",\\"blurred; \\\\\\"very\\\\\\"\\"]","uncertain_low":null,"uncertain_high":null,"ood_score":null,"ood_threshold":null,"model_version":null,"camera":null,"app_version":null}",
          "hash": "35e7891582ad3d3b0b974bfb4b72732bfe8ffa1784dac495ce74bd6ebb557a71",
          "kind": "capture",
          "seq": 3,
          "subject": "030407-c0ffee",
        },
        {
          "body": "{"at":"2026-01-02T03:04:08.000Z","body_site":"back, upper","note":"=line one\\nline two"}",
          "hash": "56a7d63e82bba321f6b1ce3ad94cf85c0ca0a6fed8bfdcf357519bb69cbca862",
          "kind": "annotation",
          "seq": 4,
          "subject": "030406-c0ffee",
        },
        {
          "body": "{"patient_ref":"P-1","body_site":"back, upper","label":"L1","created_at":"2026-01-02T03:04:09.000Z"}",
          "hash": "9670c81c95afbdcbeec9110677be6f79953fd584fa3446e24cc9b12031ab0965",
          "kind": "lesion",
          "seq": 5,
          "subject": "lesion-20260102-c0ffee",
        },
        {
          "body": "{"at":"2026-01-02T03:04:10.000Z","lesion_id":"lesion-20260102-c0ffee"}",
          "hash": "bcb0151f7b5cea049f8da3d8dcdf8b25c7931f35f69c36eee923ca1d628f6ef7",
          "kind": "lesion-link",
          "seq": 6,
          "subject": "030406-c0ffee",
        },
        {
          "body": "{"at":"2026-01-02T03:04:11.000Z","reason":"too dark"}",
          "hash": "bb9fb8ade3a032087fe7c835e9e2ed07090588f7e48c5913426e1576ec7f6e19",
          "kind": "withdrawal",
          "seq": 7,
          "subject": "030407-c0ffee",
        },
      ]
    `);

    const log = await SessionLog.openForReading(dir);
    try {
      expect((await verifySessionLog(log, { settleMs: 0 })).findings).toEqual([]);
    } finally {
      await log.close();
    }
  });

  it('exports the same CSV bytes', async () => {
    const dir = await makeFixedLog();
    const log = await SessionLog.openForReading(dir);
    let csv: string;
    try {
      csv = capturesCsv(log.sessions(), log.captures(), log.lesions());
    } finally {
      await log.close();
    }
    // the local time column depends on the machine's zone: taken out, then checked on its own
    const local = [localTime('2026-01-02T03:04:06.000Z'), localTime('2026-01-02T03:04:07.000Z')];
    // JSON, so that the CRLF line ends are pinned too
    expect(JSON.stringify(csv.split(local[0]!).join('<LOCAL 1>').split(local[1]!).join('<LOCAL 2>'))).toMatchInlineSnapshot(`""session_id,session_started_at,operator,patient_ref,capture_id,captured_at,captured_at_local,image_path,image_sha256,p_malignant,label,threshold,uncertain_low,uncertain_high,ood_score,ood_threshold,quality_ok,quality_reasons,body_site,note,lesion_id,lesion_label,camera,model_name,model_version,model_sha256,backend,app_version,latency_ms,withdrawn_at,withdrawn_reason\\r\\n20260102-030405-c0ffee,2026-01-02T03:04:05.000Z,Zoë O'Neil,P-1,030406-c0ffee,2026-01-02T03:04:06.000Z,<LOCAL 1>,20260102-030405-c0ffee/030406-c0ffee.jpg,adeaec77d1bc772e9694f8b5d7ba0ab621797f61f2587493ba69bd8dbbf09bf1,0.8123,malignant,0.1661,0.126,0.2156,16.81,24.4,true,,\\"back, upper\\",'=line one\\nline two,lesion-20260102-c0ffee,L1,\\"file:/pictures/Zoë, \\"\\"left\\"\\".jpg\\",dermacam-mnv1-075,3.0.1,c8b51c6a9fdc0000000000000000000000000000000000000000000000000000,onnx,0.1.0,32,,\\r\\n20260102-030405-c0ffee,2026-01-02T03:04:05.000Z,Zoë O'Neil,P-1,030407-c0ffee,2026-01-02T03:04:07.000Z,<LOCAL 2>,20260102-030405-c0ffee/030407-c0ffee.jpg,88af224f60ebdcd7935cca9185b05737d875525c16f8e4025ae3193902ba3fbb,,rejected,0.4,,,,,false,\\"too dark; blurred; \\"\\"very\\"\\"\\",,,,,,m,,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,wasm,,9,2026-01-02T03:04:11.000Z,too dark\\r\\n""`);
  });

  it('creates the same schema', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-record-'));
    await (await SessionLog.open(dir)).close();
    const db = new Database(path.join(dir, DATABASE_FILE), { readonly: true });
    const schema = (db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all() as { sql: string | null }[]).map((row) => JSON.stringify(row)).join('\n');
    db.close();
    expect(createHash('sha256').update(schema).digest('hex')).toMatchInlineSnapshot(`"e186e81316328e1723afa04c83cd324a18451c898294238c124957608fc07b47"`);
    expect(schema).toContain('"sql":"CREATE TABLE captures (');
  });

  it("hashes a row into schema 2's capture chain as before", () => {
    const row = {
      id: '030405-c0ffee', session_id: '20260102-030404-c0ffee', captured_at: '2026-01-02T03:04:05.000Z', image_path: '20260102-030404-c0ffee/030405-c0ffee.jpg',
      image_sha256: 'e3'.repeat(32), p_malignant: 0.5, label: 'benign', threshold: 0.6, model_name: 'm', model_sha256: 'x', backend: 'wasm', latency_ms: 9,
      quality_ok: 1, quality_reasons: '[]', uncertain_low: null, uncertain_high: null, ood_score: null, ood_threshold: null, model_version: null, camera: null, app_version: null,
    };
    const session = { started_at: '2026-01-02T03:04:04.000Z', operator: 'alice', patient_ref: null };
    expect(captureHash(GENESIS_HASH, row, session)).toMatchInlineSnapshot(`"c3cb5b6a1b39fbdad8b5d3bbea35e2ffee10d9a945a29f1d0cc06cfdc4312ca8"`);
  });

  it('journals a schema-1 log as before', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-record-'));
    const db = new Database(path.join(dir, DATABASE_FILE));
    db.exec(MIGRATIONS[0] as string);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO sessions VALUES ('S1', '2026-01-01T00:00:00.000Z', 'alice', NULL)").run();
    mkdirSync(path.join(dir, 'S1'));
    writeFileSync(path.join(dir, 'S1', 'c1.jpg'), 'old jpeg');
    db.prepare(
      `INSERT INTO captures (id, session_id, captured_at, image_path, image_sha256, p_malignant, label, threshold, model_name, model_sha256,
       backend, latency_ms, quality_ok, quality_reasons, body_site, note) VALUES ('c1', 'S1', '2026-01-01T00:00:01.000Z', 'S1/c1.jpg', ?, 0.5, 'benign', 0.6, 'm', 'x', 'wasm', 9, 0, '["too dark"]', 'arm', 'old note')`,
    ).run(createHash('sha256').update('old jpeg').digest('hex'));
    db.close();
    const log = await SessionLog.open(dir);
    try {
      expect(journalOf(log).map(({ kind, subject, body, hash }) => ({ kind, subject, body, hash }))).toMatchInlineSnapshot(`
        [
          {
            "body": "{"from_schema":2,"capture_chain":"intact"}",
            "hash": "7748c1ef898b7b233efc8de8141e2d4a1f1d879e641b4475bde3df535ca6a344",
            "kind": "migration",
            "subject": ".",
          },
          {
            "body": "{"started_at":"2026-01-01T00:00:00.000Z","operator":"alice","patient_ref":null}",
            "hash": "11e1173aab44b1328b4d07265e3ad986da4c4b55c13f75b58afa6196a1a9c011",
            "kind": "session",
            "subject": "S1",
          },
          {
            "body": "{"session_id":"S1","captured_at":"2026-01-01T00:00:01.000Z","image_path":"S1/c1.jpg","image_sha256":"c1feeafd9b103b3e6bc237f014fb882e2b11d18514f8d766c4666ffdc2c9a559","p_malignant":0.5,"label":"benign","threshold":0.6,"model_name":"m","model_sha256":"x","backend":"wasm","latency_ms":9,"quality_ok":0,"quality_reasons":"[\\"too dark\\"]"}",
            "hash": "7345279cdb0fde0306612d6db01073bbdc7c4b2d2eb555e762277e36c8db3e7b",
            "kind": "capture",
            "subject": "c1",
          },
          {
            "body": "{"body_site":"arm","note":"old note"}",
            "hash": "df607f17430c340d8549c49352c18a4f419fa7ee822563a948efc632b99803ef",
            "kind": "annotation",
            "subject": "c1",
          },
        ]
      `);
      expect((await verifySessionLog(log, { settleMs: 0 })).findings).toEqual([]);
    } finally {
      await log.close();
    }
  });
});

describe('the one definition of a capture (CAPTURE_COLUMNS)', () => {
  it('is the table the migrations make: each column, its type and constraints, in the order of schema 1 and then as added', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-record-'));
    await (await SessionLog.open(dir)).close();
    const db = new Database(path.join(dir, DATABASE_FILE), { readonly: true });
    const table = db.prepare('PRAGMA table_info(captures)').all() as { name: string; type: string; notnull: number; pk: number }[];
    db.close();
    const bySchema = Object.entries(CAPTURE_COLUMNS).sort(([, a], [, b]) => a.since - b.since);
    expect(table.map((column) => column.name)).toEqual(bySchema.map(([name]) => name));
    for (const column of table) {
      const { sql } = CAPTURE_COLUMNS[column.name as keyof typeof CAPTURE_COLUMNS];
      expect(sql.split(' ')[0], column.name).toBe(column.type);
      expect(sql.includes('NOT NULL'), column.name).toBe(column.notnull === 1);
      expect(sql.includes('PRIMARY KEY'), column.name).toBe(column.pk === 1);
    }
  });

  it('gives the INSERT, the journal entry and the CSV every column', () => {
    expect(INSERT_CAPTURE).toMatch(/^INSERT INTO captures \(id, session_id, .*, app_version\) VALUES \(@id, @session_id, .*, @app_version\)$/);
    const taken = { session_id: 'S', captured_at: 'T', image_path: 'P', image_sha256: 'H' };
    expect(Object.keys(captureRecord(taken, FULL_RESULT))).toEqual(CAPTURE_FIELDS.filter((name) => !['id', 'body_site', 'note', 'lesion_id', 'withdrawn_at', 'withdrawn_reason'].includes(name)));
    expect(captureRecord(taken, OLD_STYLE_RESULT)).toMatchObject({ quality_ok: 0, quality_reasons: '["too dark","blurred; \\"very\\""]', camera: null, app_version: null });
    const csvNames = CAPTURE_FIELDS.map((name) => (name === 'id' ? 'capture_id' : name));
    expect(csvNames.filter((name) => !CSV_COLUMNS.includes(name))).toEqual([]);
    expect(new Set(CSV_COLUMNS).size).toBe(CSV_COLUMNS.length);
  });

  it('exports a hand-edited quality_reasons as it stands instead of failing', async () => {
    const dir = await makeFixedLog();
    const db = new Database(path.join(dir, DATABASE_FILE));
    db.prepare("UPDATE captures SET quality_reasons = 'too dark, by hand'").run();
    db.close();
    const log = await SessionLog.openForReading(dir);
    try {
      expect(capturesCsv(log.sessions(), log.captures(), log.lesions())).toContain(',false,"too dark, by hand",');
    } finally {
      await log.close();
    }
  });
});

describe('parseQualityReasons', () => {
  it('reads the JSON array a capture logs, and anything else as one reason or none', () => {
    expect(parseQualityReasons('[]')).toEqual([]);
    expect(parseQualityReasons('["too dark","blurred; \\"very\\""]')).toEqual(['too dark', 'blurred; "very"']);
    expect(parseQualityReasons('')).toEqual([]);
    expect(parseQualityReasons('too dark')).toEqual(['too dark']);
    expect(parseQualityReasons('{"a":1}')).toEqual(['{"a":1}']);
    expect(parseQualityReasons('[1,null,"x"]')).toEqual(['1', '', 'x']);
  });
});

describe('formatPercent', () => {
  it('writes a fraction in percent with one decimal, or as many as asked', () => {
    expect(formatPercent(0.8123)).toBe('81.2%');
    expect(formatPercent(0.8123, 0)).toBe('81%');
    expect(formatPercent(0.16612, 2)).toBe('16.61%');
    expect(formatPercent(0)).toBe('0.0%');
    expect(formatPercent(1, 0)).toBe('100%');
  });
});
