import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUids } from '../src/dicom/captureObject.js';
import type { Destination } from '../src/outbox/config.js';
import { deliverTo, routeTo } from '../src/outbox/sender.js';
import { SessionLog } from '../src/store/sessionLog.js';
import { SAMPLE_RESULT } from './helpers/captureResult.js';
import { FIXTURES } from './helpers/paths.js';
import { TestOrthanc } from './helpers/orthanc.js';

const fixtures = readdirSync(FIXTURES).filter((name) => name.endsWith('.jpg')).map((name) => readFileSync(path.join(FIXTURES, name)));
const APP_VERSION = '0.1.0-test';

/** A log in a fresh data folder whose clock moves on a minute with each reading, so that every capture has its own time. */
async function freshLog(): Promise<SessionLog> {
  let minutes = 0;
  return SessionLog.open(mkdtempSync(path.join(os.tmpdir(), 'dermacam-converge-')), { now: () => new Date(Date.UTC(2025, 2, 30, 0, 30 + minutes++)) });
}

/** Orthanc's instances in the order they arrived, as SOP Instance UIDs. */
async function arrivalOrder(orthanc: TestOrthanc): Promise<string[]> {
  const { Changes } = (await orthanc.rest('/changes?since=0&limit=10000')) as { Changes: { ChangeType: string; ID: string }[] };
  const uids: string[] = [];
  for (const change of Changes.filter((each) => each.ChangeType === 'NewInstance')) {
    uids.push(((await orthanc.rest(`/instances/${change.ID}`)) as { MainDicomTags: { SOPInstanceUID: string } }).MainDicomTags.SOPInstanceUID);
  }
  return uids;
}

describe('the PACS copy converges to the log, in a real Orthanc (issue 24, D1-D4)', () => {
  let orthanc: TestOrthanc;
  let destinations: Destination[];
  beforeAll(async () => {
    orthanc = await TestOrthanc.create();
    destinations = [
      { name: 'web', kind: 'dicomweb', url: new URL(orthanc.dicomWebUrl) },
      { name: 'dimse', kind: 'cstore', host: '127.0.0.1', port: orthanc.dicomPort, calledAe: orthanc.aeTitle, callingAe: 'DERMACAM' },
    ];
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('keeps capture order within a destination after an outage, however often each capture was tried (D4)', async () => {
    const log = await freshLog();
    try {
      const session = await log.startSession('e2e', 'PT-ORDER');
      const route = routeTo(destinations[0]!);
      const pass = () => deliverTo(log, route, { appVersion: APP_VERSION, ignoreBackoff: true });
      const first = await log.addCapture(session.id, fixtures[0]!, SAMPLE_RESULT);
      expect((await pass()).sent).toBe(1);

      await orthanc.stop();
      const during = [];
      for (let i = 1; i <= 3; i++) during.push(await log.addCapture(session.id, fixtures[i % fixtures.length]!, { ...SAMPLE_RESULT, p_malignant: i / 10 }));
      // each pass fails on the first capture it tries: the waiting captures end up tried 1, 1 and 0 times
      expect((await pass()).failed).toBe(1);
      expect((await pass()).failed).toBe(1);
      await orthanc.start();
      expect((await pass()).sent).toBe(3);

      const uid = (capture: (typeof during)[number]) => captureUids(log.identity(), log.session(session.id)!, capture).instance;
      const ours = new Set([first, ...during].map(uid));
      expect((await arrivalOrder(orthanc)).filter((each) => ours.has(each))).toEqual([first, ...during].map(uid));
    } finally {
      await log.close();
    }
  }, 60_000);
});
