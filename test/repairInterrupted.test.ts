import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionLog } from '../src/store/sessionLog.js';
import { verifySessionLog } from '../src/store/verify.js';
import { SAMPLE_RESULT } from './helpers/captureResult.js';
import { journalOf } from './helpers/journal.js';

const STRAYS = 50;

/** A data folder with one capture and `STRAYS` files in its session folder that no capture refers to. */
async function folderWithStrays(): Promise<{ dir: string; strays: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dermacam-repair-'));
  const log = await SessionLog.open(dir);
  const session = await log.startSession('alice', 'P-1');
  await log.addCapture(session.id, Buffer.from([0xff, 0xd8, 1]), SAMPLE_RESULT);
  await log.close();
  const strays = Array.from({ length: STRAYS }, (_, i) => path.join(session.id, `stray-${String(i).padStart(3, '0')}.jpg`));
  for (const stray of strays) writeFileSync(path.join(dir, stray), `no row ${stray}`);
  return { dir, strays };
}

/** The file system, with every rename after the first `renames` failing as a dying disk (or a kill) would stop them. */
function renamesStoppingAfter(renames: number): typeof fsPromises {
  let done = 0;
  const rename = (async (...args: Parameters<typeof fsPromises.rename>) => {
    if (++done > renames) throw Object.assign(new Error('injected I/O error'), { code: 'EIO' });
    return fsPromises.rename(...args);
  }) as typeof fsPromises.rename;
  return { ...fsPromises, rename };
}

async function unreferencedFiles(log: SessionLog): Promise<string[]> {
  return (await verifySessionLog(log, { settleMs: 0 })).findings.flatMap((finding) => (finding.unreferenced ? [finding.unreferenced] : []));
}

function repairEntries(log: SessionLog): { from: string; to: string }[][] {
  return journalOf(log).filter((entry) => entry.kind === 'repair').map((entry) => (JSON.parse(entry.body) as { moved: { from: string; to: string }[] }).moved);
}

describe('doctor --verify --repair stopped half-way (issue 23, item 6)', () => {
  it('journals the whole move before it moves a file, and the next repair finishes it where the journal says', async () => {
    const { dir, strays } = await folderWithStrays();
    const interrupted = await SessionLog.open(dir, { fs: renamesStoppingAfter(20) });
    expect(await unreferencedFiles(interrupted)).toEqual(strays);
    await expect(interrupted.moveAside(strays)).rejects.toThrow(
      /^The repair moved 20 of 50 files aside and stopped \(the disk reported an input\/output error\); the journal records the whole move, and doctor --verify --repair finishes it\.$/,
    );
    await interrupted.close();

    const log = await SessionLog.open(dir);
    const [planned, ...more] = repairEntries(log);
    expect(more).toEqual([]);
    expect(planned!.map((move) => move.from)).toEqual(strays);
    expect(planned!.filter((move) => existsSync(path.join(dir, move.to)))).toHaveLength(20);

    const left = await unreferencedFiles(log);
    expect(left).toEqual(strays.slice(20));
    expect(await log.moveAside(left)).toEqual(planned!.slice(20));
    expect(repairEntries(log)).toHaveLength(1); // the rest went where the first entry said: no second entry needed
    expect(planned!.every((move) => existsSync(path.join(dir, move.to)) && !existsSync(path.join(dir, move.from)))).toBe(true);
    expect((await verifySessionLog(log, { settleMs: 0 })).findings).toEqual([]);
    await log.close();
  });

  it('journals a new move for a file that turns up again where an earlier repair already took one from', async () => {
    const { dir, strays } = await folderWithStrays();
    const log = await SessionLog.open(dir);
    const first = await log.moveAside(strays.slice(0, 1));
    writeFileSync(path.join(dir, strays[0]!), 'again');
    const second = await log.moveAside(strays.slice(0, 1));
    expect(second[0]!.to).not.toBe(first[0]!.to); // the file moved first stays where it went
    expect(repairEntries(log)).toEqual([first, second]);
    await log.close();
  });
});
