import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUids } from '../../src/dicom/captureObject.js';
import type { Destination } from '../../src/outbox/config.js';
import { objectOf } from '../../src/dicom/dicomExport.js';
import { KEY_OBJECT_SELECTION, rejectionNoteUid } from '../../src/dicom/rejectionNote.js';
import { deliverTo, routeTo, type Route } from '../../src/outbox/sender.js';
import { SessionLog, type Capture } from '../../src/store/sessionLog.js';
import { SAMPLE_RESULT } from '../helpers/captureResult.js';
import { FIXTURES } from '../helpers/paths.js';
import { TestOrthanc } from '../helpers/orthanc.js';

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

/** Orthanc's id of each instance it holds, by SOP Instance UID. */
async function instancesByUid(orthanc: TestOrthanc): Promise<Map<string, string>> {
  const byUid = new Map<string, string>();
  for (const id of (await orthanc.rest('/instances')) as string[]) {
    byUid.set(((await orthanc.rest(`/instances/${id}`)) as { MainDicomTags: { SOPInstanceUID: string } }).MainDicomTags.SOPInstanceUID, id);
  }
  return byUid;
}

/** dciodvfy's errors for an object; warnings are allowed. */
function dciodvfyErrors(object: Uint8Array): string[] {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'dermacam-dciodvfy-')), 'object.dcm');
  writeFileSync(file, object);
  const check = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return `${check.stdout}${check.stderr}`.split('\n').filter((line) => line.startsWith('Error'));
}

/** A route that keeps, by SOP Instance UID, the bytes of every object it sends. */
function recording(route: Route, sent: Map<string, Uint8Array>): Route {
  return { destination: route.destination, send: (object, uid, signal) => (sent.set(uid, object), route.send(object, uid, signal)) };
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
      const during: Capture[] = [];
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

  it('sends an annotated capture as a new version with its body site, the same bytes to both destinations and the export, and a rejection note for the version the PACS held (D1, D2, D3)', async () => {
    const log = await freshLog();
    try {
      const session = await log.startSession('e2e', 'PT-ANNOTATE');
      const capture = await log.addCapture(session.id, fixtures[0]!, SAMPLE_RESULT);
      const sentBy = destinations.map(() => new Map<string, Uint8Array>());
      const routes = destinations.map((destination, i) => recording(routeTo(destination), sentBy[i]!));
      const sent = sentBy[0]!;
      const pass = (route: Route) => deliverTo(log, route, { appVersion: APP_VERSION, ignoreBackoff: true });
      expect(await pass(routes[0]!)).toEqual({ sent: 1, failed: 0, refused: 0 });
      const first = captureUids(log.identity(), log.session(session.id)!, capture).instance;

      await log.annotate(capture.id, { body_site: 'left forearm', note: 'itches' });
      const annotated = log.captures().find((each) => each.id === capture.id)!;
      const second = captureUids(log.identity(), log.session(session.id)!, annotated, log.captureVersion(capture.id)!.hash).instance;
      expect(second).not.toBe(first);
      expect(log.deliveryStatus('web')).toMatchObject({ sent: 0, waiting: 1 });
      // the new version, then the rejection note of the first; the second destination gets the new version only
      expect(await pass(routes[0]!)).toEqual({ sent: 2, failed: 0, refused: 0 });
      expect(await pass(routes[1]!)).toEqual({ sent: 1, failed: 0, refused: 0 });
      expect(log.deliveryStatus('web')).toMatchObject({ sent: 1, waiting: 0 });
      expect(log.deliveryStatus('dimse')).toMatchObject({ sent: 1, waiting: 0 });
      expect(await pass(routes[0]!)).toEqual({ sent: 0, failed: 0, refused: 0 });

      const stored = await instancesByUid(orthanc);
      const tags = (await orthanc.rest(`/instances/${stored.get(second)}/tags?simplify`)) as Record<string, unknown>;
      expect(tags).toMatchObject({ AnatomicRegionSequence: [{ CodeMeaning: 'Forearm', AnatomicRegionModifierSequence: [{ CodeMeaning: 'Left' }] }] });
      const note = (await orthanc.rest(`/instances/${stored.get(rejectionNoteUid(log.identity(), first))}/tags?simplify`)) as Record<string, unknown>;
      expect(note).toMatchObject({
        SOPClassUID: KEY_OBJECT_SELECTION,
        PatientID: 'PT-ANNOTATE',
        StudyInstanceUID: (tags as { StudyInstanceUID: string }).StudyInstanceUID,
        ConceptNameCodeSequence: [{ CodeValue: '113001', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Rejected for Quality Reasons' }],
        CurrentRequestedProcedureEvidenceSequence: [{ ReferencedSeriesSequence: [{ ReferencedSOPSequence: [{ ReferencedSOPInstanceUID: first }] }] }],
        ContentSequence: [{ ValueType: 'IMAGE', ReferencedSOPSequence: [{ ReferencedSOPInstanceUID: first }] }],
      });
      // one UID, one object: both destinations and the export got the same bytes under the new version's UID
      const exported = Buffer.from(await objectOf(log, log.identity(), log.session(session.id)!, annotated, APP_VERSION));
      for (const each of sentBy) expect(Buffer.from(each.get(second)!).equals(exported)).toBe(true);
      expect(dciodvfyErrors(sent.get(second)!)).toEqual([]);
      expect(dciodvfyErrors(sent.get(rejectionNoteUid(log.identity(), first))!)).toEqual([]);
    } finally {
      await log.close();
    }
  }, 60_000);

  it('retracts a capture withdrawn (a retake) after it was sent with a rejection note, by STOW-RS and C-STORE (D3)', async () => {
    for (const destination of destinations) {
      const log = await freshLog();
      try {
        const session = await log.startSession('e2e', `PT-RETAKE-${destination.name}`);
        const capture = await log.addCapture(session.id, fixtures[1]!, SAMPLE_RESULT);
        const route = routeTo(destination);
        const pass = () => deliverTo(log, route, { appVersion: APP_VERSION, ignoreBackoff: true });
        expect((await pass()).sent).toBe(1);
        await log.withdrawCapture(capture.id, 'retake');
        expect(log.deliveryStatus(destination.name)).toMatchObject({ waiting: 1 });
        expect(await pass()).toEqual({ sent: 1, failed: 0, refused: 0 });
        expect(log.deliveryStatus(destination.name)).toMatchObject({ sent: 0, waiting: 0 });
        expect(await pass()).toEqual({ sent: 0, failed: 0, refused: 0 });

        const uid = captureUids(log.identity(), log.session(session.id)!, capture).instance;
        const id = (await instancesByUid(orthanc)).get(rejectionNoteUid(log.identity(), uid));
        expect(id, destination.name).toBeDefined();
        expect(await orthanc.rest(`/instances/${id}/tags?simplify`)).toMatchObject({
          SOPClassUID: KEY_OBJECT_SELECTION,
          ConceptNameCodeSequence: [{ CodeMeaning: 'Rejected for Quality Reasons' }],
          CurrentRequestedProcedureEvidenceSequence: [{ ReferencedSeriesSequence: [{ ReferencedSOPSequence: [{ ReferencedSOPInstanceUID: uid }] }] }],
        });
      } finally {
        await log.close();
      }
    }
  }, 60_000);
});

describe('an object is a function of the log (D2)', () => {
  it('has the same bytes and UID whatever TZ says', async () => {
    const log = await freshLog();
    const timezone = process.env.TZ;
    try {
      const session = await log.startSession('e2e', 'PT-TZ');
      const capture = await log.addCapture(session.id, fixtures[0]!, SAMPLE_RESULT);
      const objects = [];
      for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York']) {
        process.env.TZ = zone;
        objects.push(Buffer.from(await objectOf(log, log.identity(), log.session(session.id)!, capture, APP_VERSION)));
      }
      expect(objects[1]!.equals(objects[0]!)).toBe(true);
      expect(objects[2]!.equals(objects[0]!)).toBe(true);
    } finally {
      if (timezone === undefined) delete process.env.TZ;
      else process.env.TZ = timezone;
      await log.close();
    }
  });
});
