import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { dcmtkDicomDir } from '../src/dicom/dicomDir.js';
import { makeFolders } from '../src/folders.js';
import { ANCHOR_FILE, appendAnchor, createAnchor } from '../src/store/anchor.js';
import { writeExportFile } from '../src/store/exportFile.js';
import { SessionLog } from '../src/store/sessionLog.js';
import { verifySessionLog } from '../src/store/verify.js';
import { SAMPLE_RESULT } from './helpers/captureResult.js';
import { recordingFs, withTempNames } from './helpers/recordingFs.js';

/**
 * A pulled plug (issue 26, item 2): what a power cut leaves is decided by the order of writes,
 * fsyncs and renames. Each test records that order for one artefact through an injected file
 * system (test/helpers/recordingFs.ts) and pins it: a file's bytes are fsynced before its name
 * points at them, and a name that must survive (made, renamed, removed) is followed by an fsync
 * of its folder. docs/RELIABILITY.md, "A pulled plug", says what each order guarantees.
 */

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'dermacam-powercut-'));
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);

/** The log's own SQLite connection, to read its pragmas. */
const connectionOf = (log: SessionLog) => (log as unknown as { db: Database.Database }).db;

describe('a pulled plug: the session log', () => {
  it('commits with synchronous=FULL in WAL mode on every open, not only the one that made the log', async () => {
    const dir = tempDir();
    const log = await SessionLog.open(dir);
    await log.startSession('alice');
    await log.close();
    // better-sqlite3 builds SQLite with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1: a log that is already WAL opens as NORMAL
    const reopened = await SessionLog.open(dir);
    expect(connectionOf(reopened).pragma('journal_mode', { simple: true })).toBe('wal');
    expect(connectionOf(reopened).pragma('synchronous', { simple: true })).toBe(2); // FULL: the WAL is fsynced at each commit
    await reopened.close();
  });

  it('makes a new data folder durable: each new folder in its parent, then the database and the anchor in the folder', async () => {
    const root = tempDir();
    const { fs, ops } = recordingFs(root);
    const log = await SessionLog.open(path.join(root, 'clinic', 'captures'), { fs });
    await log.close();
    expect(ops.slice(0, 7)).toEqual([
      'mkdir clinic',
      'mkdir clinic/captures',
      'fsync .',
      'fsync clinic',
      'fsync clinic/captures', // dermacam.db made
      `fsync clinic/captures/${ANCHOR_FILE}`,
      'fsync clinic/captures', // the anchor made
    ]);
  });

  it('fsyncs a capture\'s image and its name before the commit, the anchor after it, and the folder after the rename', async () => {
    const dir = tempDir();
    const { fs, ops } = recordingFs(dir);
    const log = await SessionLog.open(dir, { fs });
    const session = await log.startSession('alice');
    expect(ops.splice(0)).toEqual(expect.arrayContaining([`write ${ANCHOR_FILE}`, `fsync ${ANCHOR_FILE}`]));

    const first = await log.addCapture(session.id, jpeg, SAMPLE_RESULT);
    const image = first.image_path;
    // the commit comes between the fsync of the session folder and the anchor's line (which is written just after it)
    expect(withTempNames(ops.splice(0))).toEqual([
      `mkdir ${session.id}`,
      'fsync .', // the session folder's name in the data folder
      `write ${image}.partial`,
      `fsync ${image}.partial`,
      `fsync ${session.id}`, // the temp file's name: a committed row never points at bytes a power cut can take
      `write ${ANCHOR_FILE}`,
      `fsync ${ANCHOR_FILE}`,
      `rename ${image}.partial ${image}`,
      `fsync ${session.id}`,
    ]);

    const second = await log.addCapture(session.id, jpeg, SAMPLE_RESULT);
    expect(withTempNames(ops.splice(0))).toEqual([
      `write ${second.image_path}.partial`,
      `fsync ${second.image_path}.partial`,
      `fsync ${session.id}`,
      `write ${ANCHOR_FILE}`,
      `fsync ${ANCHOR_FILE}`,
      `rename ${second.image_path}.partial ${second.image_path}`,
      `fsync ${session.id}`,
    ]);
    await log.close();
  });

  it('fsyncs the session folder after a withdrawal deletes the image, so that a retake\'s image does not come back', async () => {
    const dir = tempDir();
    const { fs, ops } = recordingFs(dir);
    const log = await SessionLog.open(dir, { fs });
    const session = await log.startSession('alice');
    const capture = await log.addCapture(session.id, jpeg, SAMPLE_RESULT);
    ops.splice(0);
    await log.withdrawCapture(capture.id, 'blurred');
    expect(ops).toEqual([`write ${ANCHOR_FILE}`, `fsync ${ANCHOR_FILE}`, `unlink ${capture.image_path}`, `fsync ${session.id}`]);
    await log.close();
  });

  it('finishes at the next open a withdrawal whose image deletion a power cut undid, and flushes the folder', async () => {
    const dir = tempDir();
    const log = await SessionLog.open(dir);
    const session = await log.startSession('alice');
    const kept = await log.addCapture(session.id, jpeg, SAMPLE_RESULT);
    const retake = await log.addCapture(session.id, jpeg, SAMPLE_RESULT);
    await log.withdrawCapture(retake.id, 'blurred');
    await log.close();
    writeFileSync(path.join(dir, retake.image_path), jpeg); // the withdrawal committed; its unlink never reached the disk
    const { fs, ops } = recordingFs(dir);
    const reopened = await SessionLog.open(dir, { fs });
    expect(ops).toEqual([`unlink ${retake.image_path}`, `fsync ${session.id}`]);
    expect(readdirSync(path.join(dir, session.id))).toEqual([path.basename(kept.image_path)]);
    expect((await verifySessionLog(reopened, { settleMs: 0 })).findings).toEqual([]); // before: the image "no capture refers to"
    await reopened.close();
  });

  it('makes a repair\'s folders durable before it moves files into them, and fsyncs both folders after the moves', async () => {
    const dir = tempDir();
    const { fs, ops } = recordingFs(dir);
    const log = await SessionLog.open(dir, { fs, now: () => new Date('2026-12-01T08:00:00Z') });
    const session = await log.startSession('alice');
    await log.addCapture(session.id, jpeg, SAMPLE_RESULT);
    const strays = ['a.jpg', 'b.jpg'].map((name) => path.join(session.id, name));
    for (const stray of strays) writeFileSync(path.join(dir, stray), 'no row');
    ops.splice(0);
    const moves = await log.moveAside(strays);
    const folder = path.join('unreferenced', '20261201T080000');
    expect(moves.map((move) => move.to)).toEqual(strays.map((stray) => path.join(folder, stray)));
    expect(ops).toEqual([
      `write ${ANCHOR_FILE}`, // the repair entry, committed before any file moves
      `fsync ${ANCHOR_FILE}`,
      'mkdir unreferenced',
      `mkdir ${folder}`,
      `mkdir ${folder}/${session.id}`,
      'fsync .',
      'fsync unreferenced',
      `fsync ${folder}`,
      `rename ${strays[0]} ${moves[0]!.to}`,
      `rename ${strays[1]} ${moves[1]!.to}`,
      `fsync ${session.id}`,
      `fsync ${folder}/${session.id}`,
    ]);
    await log.close();
  });
});

describe('a pulled plug: the files beside the log', () => {
  it('fsyncs the anchor after each appended head', async () => {
    const dir = tempDir();
    const { fs, ops } = recordingFs(dir);
    await createAnchor(dir, fs);
    expect(ops.splice(0)).toEqual([`fsync ${ANCHOR_FILE}`, 'fsync .']);
    await appendAnchor(dir, { seq: 1, hash: 'a'.repeat(64) }, fs);
    expect(ops).toEqual([`write ${ANCHOR_FILE}`, `fsync ${ANCHOR_FILE}`]);
  });

  it('makes each missing folder of a path durable in its parent (data folder, DICOM file set, explain folder)', async () => {
    const dir = tempDir();
    const { fs, ops } = recordingFs(dir);
    await makeFolders(path.join(dir, 'DICOM', 'S0000001'), fs);
    expect(ops.splice(0)).toEqual(['mkdir DICOM', 'mkdir DICOM/S0000001', 'fsync .', 'fsync DICOM']);
    await makeFolders(path.join(dir, 'DICOM', 'S0000001'), fs);
    expect(ops).toEqual([]); // nothing made, nothing to sync
  });

  it('writes a CSV or DICOM export to a temp file, fsyncs it, renames it and fsyncs the folder', async () => {
    const dir = tempDir();
    const { fs, ops } = recordingFs(dir);
    await writeExportFile(path.join(dir, 'out.csv'), 'a,b\r\n', { fs, replace: true });
    expect(withTempNames(ops.splice(0))).toEqual(['write out.csv.partial', 'fsync out.csv.partial', 'rename out.csv.partial out.csv', 'fsync .']);
    await writeExportFile(path.join(dir, 'I0000001'), 'dicom', { fs }); // never over an existing file: link, then unlink
    expect(withTempNames(ops)).toEqual(['write I0000001.partial', 'fsync I0000001.partial', 'link I0000001.partial I0000001', 'unlink I0000001.partial', 'fsync .']);
  });

  it('fsyncs the DICOMDIR that dcmmkdir wrote before renaming it into place, and the file set\'s folder after', async () => {
    const dir = tempDir();
    const { fs, ops } = recordingFs(dir);
    const dcmmkdir = async (_tool: string, args: string[]) => writeFileSync(args[args.indexOf('--output-file') + 1]!, 'DICM');
    expect(await dcmtkDicomDir(dcmmkdir, fs)(dir)).toEqual({ made: true });
    expect(ops).toEqual(['fsync DICOMDIR.TMP', 'rename DICOMDIR.TMP DICOMDIR', 'fsync .']);
  });
});
