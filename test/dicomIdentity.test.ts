import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exportCommand } from '../src/commands/export.js';
import { patientIdProblem, patientRefProblem } from '../src/patientRef.js';
import { SessionLog } from '../src/store/sessionLog.js';
import { SAMPLE_RESULT } from './helpers/captureResult.js';
import { FIXTURES } from './helpers/paths.js';

const fixture = readFileSync(path.join(FIXTURES, 'ISIC_0024358.jpg'));

const noTf = () => Promise.reject(new Error('no TensorFlow here'));

function collected() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('patient references', () => {
  it('takes pseudonymous codes and refuses names and what a Patient ID cannot hold, in one sentence', () => {
    for (const fit of ['PT-0042', 'DERMACAM-0123456789AB', 'x7', 'Ward 3 bed 12', `7${'ü'.repeat(31)}`]) expect(patientRefProblem(fit)).toBeUndefined();
    expect(patientRefProblem('Maria Lopez')).toBe('A patient reference is a pseudonymous code with a digit in it, never a name.');
    expect(patientRefProblem("O'Brien, Ann-Marie")).toMatch(/never a name\.$/);
    expect(patientRefProblem('AB\\CD')).toBe('This patient reference holds a backslash, which DICOM reads as a second value.');
    expect(patientRefProblem('P'.repeat(70))).toBe('This patient reference is longer than the 64 characters of a DICOM Patient ID (accented letters count twice).');
    // a name, a birth date and a ward: 70 characters
    expect(patientRefProblem('Maria Fernanda Lopez Garcia de la Cruz 1970-01-01 Dermatology Ward 3B')).toMatch(/longer than the 64/);
    expect(patientRefProblem(`7${'ü'.repeat(32)}`)).toMatch(/longer than the 64/); // 33 characters, 65 bytes
    expect(patientRefProblem('PT\u001b[2J1')).toBe('This patient reference holds a control character.');
    expect(patientIdProblem('Maria Lopez')).toBeUndefined(); // a logged name is a valid LO: only the form refuses it
  });
});

describe('export of a capture whose logged patient reference cannot be a Patient ID', () => {
  it('writes no object for it, says why in one sentence, writes the others, and exits 1', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-identity-'));
    const log = await SessionLog.open(dataDir);
    const bad = [await log.startSession('alice', 'AB\\CD'), await log.startSession('alice', 'P'.repeat(70))];
    const captures = [];
    for (const session of bad) captures.push(await log.addCapture(session.id, fixture, SAMPLE_RESULT));
    await log.addCapture((await log.startSession('alice', 'PT-0042')).id, fixture, SAMPLE_RESULT);
    await log.close();
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-identity-out-')), 'media');
    const stderr = collected();
    const code = await exportCommand(['--all', '--dicom', out, '--data-dir', dataDir], { tf: noTf, stdout: new PassThrough(), stderr: stderr.stream });
    expect(code).toBe(1);
    const lines = stderr.text().split('\n');
    expect(lines[0]).toBe(`Capture ${captures[0]!.id} cannot become a DICOM object: the patient reference of session ${bad[0]!.id} holds a backslash, which DICOM reads as a second value.`);
    expect(lines[1]).toBe(`Capture ${captures[1]!.id} cannot become a DICOM object: the patient reference of session ${bad[1]!.id} is longer than the 64 characters of a DICOM Patient ID (accented letters count twice).`);
    expect(lines[2]).toMatch(/^Wrote 1 DICOM file to /);
  });
});
