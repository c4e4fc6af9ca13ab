import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { capturesCsv } from '../src/store/csvExport.js';
import { DATABASE_FILE, SessionLog } from '../src/store/sessionLog.js';
import { verifySessionLog } from '../src/store/verify.js';
import { SAMPLE_RESULT } from './helpers/captureResult.js';

const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#8b4513' } }).jpeg().toBuffer();

async function patientWithVisits() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-lesions-'));
  const log = await SessionLog.open(dir);
  const first = await log.startSession('alice', 'P-7');
  const second = await log.startSession('alice', 'P-7');
  const visits = [
    await log.addCapture(first.id, jpeg, { ...SAMPLE_RESULT, p_malignant: 0.08, label: 'benign' }),
    await log.addCapture(second.id, jpeg, { ...SAMPLE_RESULT, p_malignant: 0.31, label: 'malignant' }),
  ];
  return { dir, log, visits };
}

const findings = async (log: SessionLog) => (await verifySessionLog(log, { settleMs: 0 })).findings.map((finding) => finding.message);

describe('lesions followed over visits', () => {
  it("labels each patient's lesions L1, L2, … and attaches captures of that patient, in the journal", async () => {
    const { log, visits } = await patientWithVisits();
    const shoulder = await log.addLesion('P-7', 'left shoulder');
    const back = await log.addLesion('P-7', '');
    const other = await log.addLesion('P-8', 'back');
    expect([shoulder.label, back.label, other.label]).toEqual(['L1', 'L2', 'L1']);
    expect(back.body_site).toBeNull();
    for (const capture of visits) expect((await log.attachToLesion(capture.id, shoulder.id)).lesion_id).toBe(shoulder.id);
    expect(log.capturesOfLesion(shoulder.id).map((capture) => capture.id)).toEqual(visits.map((capture) => capture.id));
    expect(log.lesions('P-7').map((lesion) => lesion.label)).toEqual(['L1', 'L2']);
    expect(await findings(log)).toEqual([]);
    // a retake leaves the lesion's visits
    await log.withdrawCapture(visits[1]!.id, 'retake');
    expect(log.capturesOfLesion(shoulder.id)).toHaveLength(1);
    await log.close();
  });

  it("refuses, in a sentence, to attach a capture to another patient's lesion", async () => {
    const { log, visits } = await patientWithVisits();
    const someoneElses = await log.addLesion('P-8', 'back');
    const attempt = log.attachToLesion(visits[0]!.id, someoneElses.id);
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(attempt).rejects.toThrow(/^Capture .* is of patient P-7, and lesion L1 of P-8: a capture is attached only to its own patient's lesions\.$/);
    expect(log.captures()[0]!.lesion_id).toBeNull();
    await log.close();
  });

  it('lets doctor --verify see a lesion or a link changed behind the journal', async () => {
    const { dir, log, visits } = await patientWithVisits();
    const lesion = await log.addLesion('P-7', 'left shoulder');
    await log.attachToLesion(visits[0]!.id, lesion.id);
    const db = new Database(path.join(dir, DATABASE_FILE));
    db.prepare("UPDATE lesions SET body_site = 'right shoulder'").run();
    db.prepare('UPDATE captures SET lesion_id = ? WHERE id = ?').run(lesion.id, visits[1]!.id);
    db.close();
    expect(await findings(log)).toEqual([
      `capture ${visits[1]!.id} differs from its journal entries in lesion_id: it was edited`,
      `lesion ${lesion.id} differs from its journal entries in body_site: it was edited`,
    ]);
    await log.close();
  });

  it('gives each capture its lesion id and label in the CSV export', async () => {
    const { log, visits } = await patientWithVisits();
    const lesion = await log.addLesion('P-7', 'left shoulder');
    await log.attachToLesion(visits[1]!.id, lesion.id);
    const rows = parse(capturesCsv(log.sessions(), log.captures(), log.lesions()), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => [row.lesion_id, row.lesion_label])).toEqual([['', ''], [lesion.id, 'L1']]);
    await log.close();
  });
});
