import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionLog } from '../src/store/sessionLog.js';
import { SAMPLE_RESULT } from './helpers/captureResult.js';

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
const gone = (dir: string) => `The data folder ${dir} was moved or deleted while dermacam was running, so nothing more is saved: put it back, or restart dermacam.`;

/** A log open for writing, with one session and one capture logged. */
async function openLogWithCapture() {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-gone-')), 'data');
  const log = await SessionLog.open(dir);
  const session = await log.startSession('alice', 'P-1');
  const capture = await log.addCapture(session.id, jpeg, SAMPLE_RESULT);
  return { dir, log, session, capture };
}

/** Every kind of write the app makes, each refused with the one sentence. */
async function expectEveryWriteRefused(log: SessionLog, sessionId: string, captureId: string, dir: string): Promise<void> {
  await expect(log.addCapture(sessionId, jpeg, SAMPLE_RESULT)).rejects.toThrow(gone(dir));
  await expect(log.startSession('alice')).rejects.toThrow(gone(dir));
  await expect(log.annotate(captureId, { note: 'raised' })).rejects.toThrow(gone(dir));
  await expect(log.withdrawCapture(captureId, 'retake')).rejects.toThrow(gone(dir));
  await expect(log.addLesion('P-1', 'left forearm')).rejects.toThrow(gone(dir));
}

describe('the data folder moved or deleted under a running app (issue 23, item 7)', () => {
  it('renamed: every write is refused in one sentence, nothing lands at the old path, and the renamed log keeps what it had', async () => {
    const { dir, log, session, capture } = await openLogWithCapture();
    const moved = `${dir}-moved`;
    renameSync(dir, moved);
    await expectEveryWriteRefused(log, session.id, capture.id, dir);
    expect(existsSync(dir)).toBe(false); // no new folder for the images of captures whose rows went elsewhere
    await log.close();
    const kept = await SessionLog.openForReading(moved);
    expect(kept.captures()).toEqual([capture]);
    expect(existsSync(path.join(moved, capture.image_path))).toBe(true);
    await kept.close();
  });

  it('renamed and put back: writes go on', async () => {
    const { dir, log, session } = await openLogWithCapture();
    renameSync(dir, `${dir}-moved`);
    await expect(log.addCapture(session.id, jpeg, SAMPLE_RESULT)).rejects.toThrow(gone(dir));
    renameSync(`${dir}-moved`, dir);
    const second = await log.addCapture(session.id, jpeg, SAMPLE_RESULT);
    expect(existsSync(path.join(dir, second.image_path))).toBe(true);
    expect(log.captures()).toHaveLength(2);
    await log.close();
  });

  it('deleted, or deleted and made again empty: every write is refused, and no folder is made', async () => {
    const { dir, log, session, capture } = await openLogWithCapture();
    rmSync(dir, { recursive: true });
    await expectEveryWriteRefused(log, session.id, capture.id, dir);
    expect(existsSync(dir)).toBe(false);
    mkdirSync(dir);
    await expectEveryWriteRefused(log, session.id, capture.id, dir);
    expect(existsSync(path.join(dir, session.id))).toBe(false);
    await log.close();
  });

  it('its database replaced by another log at the same path: refused', async () => {
    const { dir, log, session, capture } = await openLogWithCapture();
    rmSync(dir, { recursive: true });
    const other = await SessionLog.open(dir); // another dermacam, started meanwhile
    await expectEveryWriteRefused(log, session.id, capture.id, dir);
    await other.close();
    await log.close();
  });
});
