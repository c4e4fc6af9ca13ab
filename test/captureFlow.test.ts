import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CameraError, type CameraSource } from '../src/camera/source.js';
import { CaptureFlow } from '../src/capture/captureFlow.js';
import type { ModelInfo } from '../src/classifier/workerClient.js';
import { SessionLog } from '../src/store/sessionLog.js';
import { fakeClassifier } from './helpers/fakeClassifier.js';

const still = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
const camera: CameraSource = { description: 'test camera', previewFrame: async () => still, capture: async () => still, stop: async () => undefined };

const MODEL: ModelInfo = { modelId: 'm@abc', modelName: 'm', modelVersion: '1.0.0', modelSha256: 'a'.repeat(64), backend: 'cpu', threshold: 0.2, uncertainBand: { low: 0.15, high: 0.25 }, oodThreshold: 8 };

function classifier(label: 'benign' | 'rejected' = 'benign') {
  const quality = label === 'rejected' ? { ok: false, reasons: ['too dark'] } : { ok: true, reasons: [] };
  return fakeClassifier({ info: MODEL, answer: { p_malignant: 0.1, label, quality, ood_score: 2 } });
}

const openLog = () => SessionLog.open(mkdtempSync(path.join(os.tmpdir(), 'dermacam-flow-')));

describe('the capture flow', () => {
  it('starts its session at the first capture, logs the answer with what took it, and counts captures', async () => {
    const store = await openLog();
    const flow = new CaptureFlow({ camera, classifier: classifier(), store, appVersion: '1.2.3' }, { operator: 'alice', patientRef: 'P-1' });
    expect(flow.session).toBeUndefined();
    expect(store.sessions()).toEqual([]);
    const outcome = await flow.capture();
    expect(outcome).toMatchObject({ kind: 'answered', session: { operator: 'alice', patient_ref: 'P-1', captures: 1 } });
    expect(store.captures()[0]).toMatchObject({ label: 'benign', camera: 'test camera', app_version: '1.2.3', model_version: '1.0.0', ood_score: 2, ood_threshold: 8, uncertain_low: 0.15 });
    await flow.capture();
    expect(flow.session!.captures).toBe(2);
    flow.planSession({ operator: 'bob' });
    expect(flow.session).toBeUndefined();
    expect(store.sessions()).toHaveLength(1); // the planned one is not logged until its first capture
    await flow.capture();
    expect(store.sessions().map((session) => session.operator)).toEqual(['alice', 'bob']);
    await store.close();
  });

  it('logs a refused picture as refused', async () => {
    const store = await openLog();
    const outcome = await new CaptureFlow({ camera, classifier: classifier('rejected'), store, appVersion: '1' }, { operator: 'a' }).capture();
    expect(outcome.kind).toBe('refused');
    expect(store.captures()[0]).toMatchObject({ label: 'rejected', quality_reasons: '["too dark"]' });
    await store.close();
  });

  it('fails without logging anything when the camera or the classifier fails', async () => {
    const store = await openLog();
    const broken: CameraSource = { ...camera, capture: async () => { throw new CameraError('No picture from /dev/video0.'); } };
    expect(await new CaptureFlow({ camera: broken, classifier: classifier(), store, appVersion: '1' }, { operator: 'a' }).capture()).toEqual({ kind: 'failed', message: 'No picture from /dev/video0.' });
    const failing = classifier();
    failing.classify.mockRejectedValue(new Error('the worker stopped.'));
    expect(await new CaptureFlow({ camera, classifier: failing, store, appVersion: '1' }, { operator: 'a' }).capture()).toEqual({
      kind: 'failed',
      message: 'The picture could not be classified, so nothing was logged: the worker stopped.',
    });
    expect(store.sessions()).toEqual([]);
    expect(store.captures()).toEqual([]);
    await store.close();
  });
});
