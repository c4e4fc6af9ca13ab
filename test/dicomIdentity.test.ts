import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { exportCommand } from '../src/commands/export.js';
import { writeDicomExport } from '../src/dicom/dicomExport.js';
import type { DicomWebDestination } from '../src/outbox/config.js';
import { deliverTo } from '../src/outbox/sender.js';
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

/** dciodvfy's errors on a file; its warnings are allowed. */
function dciodvfyErrors(file: string): string[] {
  const check = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return (check.stderr + check.stdout).split('\n').filter((line) => line.startsWith('Error'));
}

/** A content item of the Acquisition Context Sequence, as dcmjs reads it. */
interface ContentItem {
  ConceptNameCodeSequence: { CodeMeaning: string }[];
  TextValue?: string;
  UID?: string;
  NumericValue?: number;
}

/** The data set of a written object, as dcmjs reads it. */
type DataSet = Record<string, unknown> & { OperatorsName: { Alphabetic: string }[]; SeriesDescription: string; ImageComments: string; AcquisitionContextSequence: ContentItem[] };

function readObject(file: string): DataSet {
  const bytes = readFileSync(file);
  const dicom = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicom.dict) as DataSet;
}

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

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

describe('objects built from hostile values', () => {
  it('fit every text to its VR, say laterality, number series and instances in order, and name the lesion followed; dciodvfy finds no error', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-hostile-'));
    const log = await SessionLog.open(dataDir);
    const operator = `Dr. Ana^María=Ñ\\Pérez \u001b[2J ${'é'.repeat(80)}`;
    const session = await log.startSession(operator, `PT-${'ü'.repeat(30)}`);
    const webcam = 'file:C:\\Users\\clinic\\é\\pictures\\a very long folder name that goes on and on\\img.jpg';
    const add = (camera: string, fields: { body_site?: string; note?: string }) =>
      log.addCapture(session.id, fixture, { ...SAMPLE_RESULT, camera }).then((capture) => log.annotate(capture.id, fields));
    const forearm = (await add(webcam, { body_site: 'left forearm', note: 'é'.repeat(12_000) }))!;
    await add('demo', { body_site: 'back', note: 'raised\\border \u0007 irregular' });
    const free = (await add(webcam, { body_site: 'behind the left ear^=\\', note: '' }))!;
    const lesion = await log.addLesion(session.patient_ref!, 'left forearm');
    await log.attachToLesion(forearm.id, lesion.id);
    const out = mkdtempSync(path.join(os.tmpdir(), 'dermacam-hostile-out-'));
    const { written, refused } = await writeDicomExport(log, out, log.captures(), { appVersion: '0.1.0', makeDicomDir: async () => ({ made: false, why: 'not needed' }) });
    await log.close();
    expect(refused).toEqual([]);
    for (const file of written) expect(dciodvfyErrors(file)).toEqual([]);

    const [a, b, c] = written.map(readObject);
    for (const object of [a!, b!, c!]) {
      expect(object.OperatorsName).toHaveLength(1);
      const name = object.OperatorsName[0]!.Alphabetic;
      expect(name).not.toMatch(/[\\^=\u0000-\u001f]/);
      expect(utf8Bytes(name)).toBeLessThanOrEqual(64);
      expect(object.SeriesDescription).not.toContain('\\');
      expect(utf8Bytes(object.SeriesDescription)).toBeLessThanOrEqual(64);
      expect(utf8Bytes(object.ImageComments)).toBeLessThan(160); // Orthanc shows it whole
    }
    // numbers that sort: series in the order their camera first took a picture, instances in order within each
    expect([a, b, c].map((object) => [object!.SeriesNumber, object!.InstanceNumber])).toEqual([[1, 1], [2, 1], [1, 2]]);
    expect([a, b, c].map((object) => [object!.Laterality, object!.ImageLaterality])).toEqual([[undefined, 'L'], [undefined, 'U'], ['', undefined]]);
    const items = (object: DataSet) => Object.fromEntries(object.AcquisitionContextSequence.map((item) => [item.ConceptNameCodeSequence[0]!.CodeMeaning, item.TextValue ?? item.UID ?? item.NumericValue]));
    expect(items(a!)).toMatchObject({ 'Tracking Identifier': 'L1', 'Tracking Unique Identifier': expect.stringMatching(/^2\.25\.\d+$/), 'Probability of malignancy': 35.4 });
    // cut at 10,240 bytes, not characters (dcmjs reads a text in a sequence byte by byte)
    expect(items(a!)["Operator's note"]).toHaveLength(10_240);
    expect(items(b!)).not.toHaveProperty('Tracking Identifier');
    expect(a!.ImageComments).toMatch(/^dermacam malignant, p\(malignant\) 35\.4%, threshold 16\.6%; lesion L1; research use, not a diagnosis$/);
    expect(free.body_site).toBe('behind the left ear^=\\');
  });

  it('name the device and the issuer of the Patient ID as configured, under a UID of their own', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-equipment-'));
    const log = await SessionLog.open(dataDir);
    await log.addCapture((await log.startSession('alice', 'PT-0042')).id, fixture, SAMPLE_RESULT);
    const equipment = { issuerOfPatientId: 'CLINIC-DERMATOLOGÍA', stationName: 'DERM-PI-2', deviceSerialNumber: 'RPI-10000000abcdef' };
    const exportWith = async (configured?: typeof equipment) => {
      const out = mkdtempSync(path.join(os.tmpdir(), 'dermacam-equipment-out-'));
      const { written } = await writeDicomExport(log, out, log.captures(), { appVersion: '0.1.0', equipment: configured, makeDicomDir: async () => ({ made: false, why: 'not needed' }) });
      return written[0]!;
    };
    const [plain, named] = [await exportWith(), await exportWith(equipment)];
    await log.close();
    expect(dciodvfyErrors(named)).toEqual([]);
    expect(readObject(named)).toMatchObject({ IssuerOfPatientID: equipment.issuerOfPatientId, StationName: equipment.stationName, DeviceSerialNumber: equipment.deviceSerialNumber });
    expect(readObject(plain)).not.toHaveProperty('StationName');
    expect(readObject(named).SOPInstanceUID).not.toBe(readObject(plain).SOPInstanceUID);
  });

  it('are sent under the UID they carry when equipment is configured', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-equipment-send-'));
    const log = await SessionLog.open(dataDir);
    await log.addCapture((await log.startSession('alice', 'PT-0042')).id, fixture, SAMPLE_RESULT);
    const sent: { object: Uint8Array; uid: string }[] = [];
    const destination: DicomWebDestination = { name: 'pacs', kind: 'dicomweb', url: new URL('http://127.0.0.1:9/dicom-web') };
    const send = async (object: Uint8Array, uid: string) => (sent.push({ object, uid }), {});
    await deliverTo(log, { destination, send }, { appVersion: '0.1.0', equipment: { stationName: 'DERM-PI-2' } });
    await log.close();
    const file = path.join(dataDir, 'sent.dcm');
    writeFileSync(file, sent[0]!.object);
    expect(readObject(file)).toMatchObject({ SOPInstanceUID: sent[0]!.uid, StationName: 'DERM-PI-2' });
  });
});
