import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { JPEG_BASELINE, VL_PHOTOGRAPHIC_IMAGE } from '../../src/dicom/captureObject.js';
import { dcmtkDicomDir } from '../../src/dicom/dicomDir.js';
import { fileSetName, writeDicomExport } from '../../src/dicom/dicomExport.js';
import { SessionLog } from '../../src/store/sessionLog.js';
import { SAMPLE_RESULT } from '../helpers/captureResult.js';
import { CLI, FIXTURES } from '../helpers/paths.js';

const fixture = readFileSync(path.join(FIXTURES, 'ISIC_0024358.jpg'));

/** A log with one session (patient reference given) of two captures, the second withdrawn, and one session without a reference. */
async function logWithCaptures() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-dicom-'));
  const log = await SessionLog.open(dataDir);
  const session = await log.startSession('alice', 'PT-0042');
  const kept = (await log.annotate((await log.addCapture(session.id, fixture, SAMPLE_RESULT)).id, { body_site: 'Left forearm' }))!;
  const retaken = await log.addCapture(session.id, fixture, SAMPLE_RESULT);
  await log.withdrawCapture(retaken.id, 'retake');
  const anonymous = await log.startSession('bob');
  await log.addCapture(anonymous.id, fixture, { ...SAMPLE_RESULT, label: 'rejected', quality: { ok: false, reasons: ['too dark'] } });
  return { log, dataDir, session, kept };
}

const read = (file: string) => {
  const bytes = readFileSync(file);
  const dicom = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { meta: dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicom.meta), data: dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicom.dict) };
};

describe('captures as DICOM', () => {
  it('writes each kept capture as a valid VL Photographic Image with the logged JPEG, byte for byte', async () => {
    const { log, session, kept } = await logWithCaptures();
    const out = mkdtempSync(path.join(os.tmpdir(), 'dermacam-dicom-out-'));
    const { written, withdrawn } = await writeDicomExport(log, out, log.captures(), { appVersion: '0.1.0' });
    expect(written).toHaveLength(2);
    expect(withdrawn).toBe(1);

    for (const file of written) {
      // dicom3tools' validator: warnings are allowed (an unknown laterality is left empty), errors are not
      const check = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
      expect(check.stderr + check.stdout).toContain('VLPhotographicImage');
      expect(check.stderr + check.stdout).not.toMatch(/^Error/m);
    }

    const { meta, data } = read(path.join(out, 'DICOM', fileSetName('S', session.id), fileSetName('I', kept.id)));
    expect(meta.TransferSyntaxUID).toBe(JPEG_BASELINE);
    expect(data.SOPClassUID).toBe(VL_PHOTOGRAPHIC_IMAGE);
    expect(data.PatientID).toBe('PT-0042');
    expect(data.PatientName ?? []).toEqual([]); // present and empty: a pseudonym only
    expect(data.Modality).toBe('XC');
    expect([data.Rows, data.Columns]).toEqual([450, 600]);
    expect(data.ImageComments).toBe('dermacam malignant, p(malignant) 35.4%, threshold 16.6%; research use, not a diagnosis');
    const frame = Buffer.from((data.PixelData as ArrayBuffer[])[0]!);
    // an odd-length fragment is padded to even length; the JPEG itself is unchanged
    expect(createHash('sha256').update(frame.subarray(0, fixture.length)).digest('hex')).toBe(kept.image_sha256);

    // a listed body site travels coded (SNOMED CT, with its side); as typed, it is a content item
    expect(data.AnatomicRegionSequence).toMatchObject([
      { CodeValue: '14975008', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Forearm', AnatomicRegionModifierSequence: [{ CodeValue: '7771000', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Left' }] },
    ]);
    expect(data.AcquisitionContextSequence).toContainEqual(expect.objectContaining({ TextValue: 'Left forearm' }));

    // a session begun without a patient reference goes by the random one the log recorded for it
    const anonymous = log.sessions().find((s) => s.operator === 'bob')!;
    expect(anonymous.patient_ref).toMatch(/^DERMACAM-[0-9A-F]{12}$/);
    const other = read(written.find((file) => !file.includes(fileSetName('S', session.id)))!).data;
    expect(other.PatientID).toBe(anonymous.patient_ref);
    expect(other.AnatomicRegionSequence).toBeUndefined();
    expect(other.StudyInstanceUID).not.toBe(data.StudyInstanceUID);
    await log.close();
  });

  it('indexes the file set in a DICOMDIR that dcmtk makes and the validator passes', async () => {
    const { log, session, kept } = await logWithCaptures();
    const out = mkdtempSync(path.join(os.tmpdir(), 'dermacam-dicom-dir-'));
    const { written, dicomDir } = await writeDicomExport(log, out, log.captures(), { appVersion: '0.1.0' });
    expect(dicomDir).toEqual({ made: true });
    for (const file of written) expect(path.relative(out, file)).toMatch(/^DICOM\/S[0-9A-Z]{7}\/I[0-9A-Z]{7}$/);
    const index = path.join(out, 'DICOMDIR');
    expect(statSync(index).mode & 0o777).toBe(0o600);
    const check = spawnSync('dciodvfy', [index], { encoding: 'utf8' });
    expect(check.stderr + check.stdout).toContain('BasicDirectory');
    expect(check.stderr + check.stdout).not.toMatch(/^Error/m);
    const listing = execFileSync('dcmdump', ['+P', 'ReferencedFileID', index], { encoding: 'utf8' });
    const kept1 = `DICOM\\${fileSetName('S', session.id)}\\${fileSetName('I', kept.id)}`;
    expect(listing).toContain(`[${kept1}]`);
    expect(listing.match(/ReferencedFileID/g)).toHaveLength(written.length);
    await log.close();
  });

  it('still writes every file where dcmtk is missing, and says that the index is', async () => {
    const { log } = await logWithCaptures();
    const out = mkdtempSync(path.join(os.tmpdir(), 'dermacam-dicom-nodir-'));
    const missing = dcmtkDicomDir(async () => { throw Object.assign(new Error('spawn dcmmkdir ENOENT'), { code: 'ENOENT' }); });
    const { written, dicomDir } = await writeDicomExport(log, out, log.captures(), { appVersion: '0.1.0', makeDicomDir: missing });
    expect(written).toHaveLength(2);
    expect(dicomDir).toEqual({ made: false, why: "dcmtk's dcmmkdir is not installed (Debian package dcmtk)" });
    expect(readdirSync(out)).toEqual(['DICOM']);
    await log.close();
  });

  it('gives a capture the same object on every export, and another log other UIDs', async () => {
    const first = await logWithCaptures();
    const exportOnce = async (log: SessionLog) => {
      const out = mkdtempSync(path.join(os.tmpdir(), 'dermacam-dicom-out-'));
      return (await writeDicomExport(log, out, log.captures(), { appVersion: '0.1.0' })).written.map((file) => readFileSync(file));
    };
    const [a, b] = [await exportOnce(first.log), await exportOnce(first.log)];
    expect(a.map((bytes, i) => bytes.equals(b[i]!))).toEqual([true, true]);
    const second = await logWithCaptures();
    const uidOf = (bytes: Buffer) => read(writeTemp(bytes)).data.SOPInstanceUID;
    expect(uidOf((await exportOnce(second.log))[0]!)).not.toBe(uidOf(a[0]!));
    await first.log.close();
    await second.log.close();
  });

  it('dermacam export --dicom writes the files and says how many', async () => {
    const { log, dataDir } = await logWithCaptures();
    await log.close();
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-dicom-cli-')), 'media');
    const run = spawnSync(process.execPath, [CLI, 'export', '--all', '--dicom', out, '--data-dir', dataDir], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^Wrote 2 DICOM files to .*media \(1 withdrawn capture left out\)\.\nIndexed the folder in .*media\/DICOMDIR\.$/m);
    const both = spawnSync(process.execPath, [CLI, 'export', '--all', '--dicom', out, '--out', 'x.csv', '--data-dir', dataDir], { encoding: 'utf8' });
    expect(both.status).toBe(2);
    expect(both.stderr).toBe('dermacam: Give either --out <file.csv> or --dicom <dir>, not both.\n');
    // a second export into the same folder refuses to overwrite without --force
    const again = spawnSync(process.execPath, [CLI, 'export', '--all', '--dicom', out, '--data-dir', dataDir], { encoding: 'utf8' });
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/already exists; add --force to overwrite it\.$/m);
    expect(execFileSync(process.execPath, [CLI, 'export', '--all', '--dicom', out, '--force', '--data-dir', dataDir], { encoding: 'utf8', stdio: 'pipe' })).toBe('');
  });
});

function writeTemp(bytes: Buffer): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-dicom-one-')), 'object.dcm');
  writeFileSync(file, bytes);
  return file;
}
