import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { render } from 'ink-testing-library';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CameraSource } from '../../src/camera/source.js';
import type { ImageClassifier } from '../../src/classifier/workerClient.js';
import { fakeClassifier } from '../helpers/fakeClassifier.js';
import { CaptureFlow } from '../../src/capture/captureFlow.js';
import { SessionLog, StoreError } from '../../src/store/sessionLog.js';
import { App } from '../../src/ui/App.js';
import { SAMPLE_RESULT } from '../helpers/captureResult.js';
import { eventually, KEYS, recordingCanvas, settle } from './helpers.js';

let still: Buffer;
let store: SessionLog;
let flow: CaptureFlow;
let frames = 0;
let canvas: ReturnType<typeof recordingCanvas>;

const camera: CameraSource = {
  description: 'fake camera',
  previewFrame: async () => still,
  capture: async () => still,
  stop: async () => undefined,
};

/** The model's answer 0.83 (REFER), and an explanation that takes a few steps. */
const answering = (p = 0.83) => fakeClassifier({ answer: { p_malignant: p, ood_score: 3.5, ms: 12.5 }, explainSteps: [0.25, 0.5, 1], explainStepMs: 30 });

/** A classifier that takes `ms` for each still, so that keys and frames can arrive meanwhile. */
const slowClassifier = (ms: number) => fakeClassifier({ answer: { p_malignant: 0.83, ood_score: 3.5, ms: 12.5 }, classifyMs: ms });

beforeEach(async () => {
  still = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a0522d' } }).jpeg().toBuffer();
  store = await SessionLog.open(mkdtempSync(path.join(os.tmpdir(), 'dermacam-app-')));
  frames = 0;
  canvas = recordingCanvas();
});
afterEach(() => store.close());

/** Presses space and waits until the result is on screen and its key handlers are live. */
async function captureOnce(stdin: { write: (data: string) => void }, lastFrame: () => string | undefined): Promise<void> {
  stdin.write(' ');
  await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
}

function renderApp(classifier: ImageClassifier = answering(), onQuit = vi.fn(), source: CameraSource = camera) {
  const renderFrame = async () => `FRAME ${++frames}`;
  flow = new CaptureFlow({ camera: source, classifier, store, appVersion: '0.0.0-test' }, { operator: 'alice' });
  const app = render(<App camera={source} flow={flow} model={classifier.info} store={store} renderFrame={renderFrame} canvas={canvas} previewIntervalMs={20} onQuit={onQuit} />);
  return { ...app, onQuit, classifier };
}

/** The app with one capture taken and its result on screen. */
async function renderAppWithCapture() {
  const app = renderApp();
  await settle();
  await captureOnce(app.stdin, app.lastFrame);
  return app;
}

describe('App', () => {
  it('previews the camera, and on space classifies, logs the capture and shows the result', async () => {
    const { stdin, lastFrame, classifier } = renderApp();
    await eventually(() => expect(canvas.frames.length).toBeGreaterThan(2)); // the preview keeps moving
    // the picture goes into the box left of the result panel, below the header (three lines at 100 columns)
    expect(canvas.area).toEqual({ left: 0, top: 3, columns: 45, rows: 23 });
    expect(lastFrame()).not.toContain('FRAME'); // painted by the canvas, not through Ink
    expect(lastFrame()).toContain('Not a medical device');
    await captureOnce(stdin, lastFrame);
    expect(lastFrame()).toContain('p(malignant) 83.0%');
    expect(lastFrame()).toContain('captures: 1');
    expect(classifier.classify).toHaveBeenCalledWith(still);
    const [capture] = store.captures();
    expect(capture).toMatchObject({
      label: 'malignant', p_malignant: 0.83, threshold: 0.42, model_name: 'fake', backend: 'wasm', latency_ms: 12.5,
      uncertain_low: 0.35, uncertain_high: 0.5, ood_score: 3.5, ood_threshold: 9, model_version: '9.9.9', camera: 'fake camera', app_version: '0.0.0-test',
    });
    expect(readFileSync(path.join(store.dataDir, capture!.image_path))).toEqual(still);
  });

  it('shows a refusal with its reasons and logs it: rejected by the quality gate, or uncertain', async () => {
    const classifier = answering();
    classifier.classify.mockResolvedValue({ p_malignant: 0.9, label: 'rejected', quality: { ok: false, reasons: ['too blurred'] }, ood_score: 3, ms: 9 });
    const { stdin, lastFrame } = renderApp(classifier);
    await settle();
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('RETAKE: not judged'));
    expect(lastFrame()).toContain('why: too blurred');
    expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('r withdraws this picture, then space takes another.');
    expect(lastFrame()).not.toContain('p(malignant)'); // a refused picture gets no answer on screen
    expect(store.captures()[0]).toMatchObject({ label: 'rejected', p_malignant: 0.9, quality_ok: 0, quality_reasons: '["too blurred"]' });

    classifier.classify.mockResolvedValue({ p_malignant: 0.15, label: 'uncertain', quality: { ok: true, reasons: [] }, ood_score: 3, ms: 9 });
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('UNCERTAIN'));
    expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('Too close to the threshold to call.'); // wrapped
    expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('uncertain 35.0-50.0%');
    expect(store.captures()[1]).toMatchObject({ label: 'uncertain', quality_ok: 1 });
  });

  it('shows a classifier failure as a failure and logs nothing', async () => {
    const classifier = answering();
    classifier.classify.mockRejectedValue(new Error('the classifier worker stopped.'));
    const { stdin, lastFrame } = renderApp(classifier);
    await settle();
    stdin.write(' ');
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('The picture could not be classified, so nothing was logged: the classifier worker stopped.'));
    expect(store.captures()).toEqual([]);
    expect(store.sessions()).toEqual([]); // not even an empty session
  });

  it('r withdraws the last capture after a confirm: the row stays, marked, and the image goes', async () => {
    const { stdin, lastFrame } = await renderAppWithCapture();
    const file = path.join(store.dataDir, store.captures()[0]!.image_path);
    stdin.write('r');
    await eventually(() => expect(lastFrame()).toContain('[y/n]'));
    stdin.write('y');
    await eventually(() => expect(store.captures()[0]).toMatchObject({ withdrawn_reason: 'retake', withdrawn_at: expect.any(String) }));
    await eventually(() => expect(existsSync(file)).toBe(false));
    await eventually(() => expect(lastFrame()).toContain('withdrawn'));
    expect(store.session(flow.session!.id)!.captures).toBe(0);
    expect(lastFrame()).toContain('captures: 0');
  });

  it('after a retake, r and b say the last capture was withdrawn, not that none was taken', async () => {
    const { stdin, lastFrame } = await renderAppWithCapture();
    stdin.write('r');
    await eventually(() => expect(lastFrame()).toContain('[y/n]'));
    stdin.write('y');
    await eventually(() => expect(lastFrame()).toContain('press space to retake'));
    stdin.write('r');
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('No capture to retake: the last one was withdrawn already.'));
    stdin.write('b');
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('No capture to annotate: the last one was withdrawn; h lists the earlier ones.'));
    expect(lastFrame()).not.toContain('Nothing to');
  });

  it('n starts a new session with an operator and a patient reference', async () => {
    const { stdin, lastFrame } = renderApp();
    await settle();
    stdin.write('n');
    await eventually(() => expect(lastFrame()).toContain('New session'));
    stdin.write(KEYS.tab);
    stdin.write('P-0042');
    stdin.write(KEYS.enter);
    await eventually(() => expect(lastFrame()).toContain('patient ref: P-0042'));
    expect(store.sessions()).toEqual([]); // a session is logged at its first capture, so none is ever empty
    await captureOnce(stdin, lastFrame);
    expect(store.sessions().map((s) => s.patient_ref)).toEqual(['P-0042']);
  });

  it('b annotates the last capture', async () => {
    const { stdin } = await renderAppWithCapture();
    // typed at once after b, as over SSH: the keys wait for the form instead of being lost
    stdin.write('b');
    stdin.write('left forearm\tflat, 3 mm\r');
    await eventually(() => expect(store.captures()[0]).toMatchObject({ body_site: 'left forearm', note: 'flat, 3 mm' }));
  });

  it('x shows where the model looked in the last capture, with its progress, the map and what it is not', async () => {
    const { stdin, lastFrame, classifier } = renderApp();
    await settle();
    stdin.write('x');
    await eventually(() => expect(lastFrame()).toContain('No capture to explain yet: press space to take one.'));
    await captureOnce(stdin, lastFrame);
    stdin.write('x');
    await eventually(() => expect(lastFrame()).toMatch(/Covering each part of the picture in turn… (25|50)%/));
    await eventually(() => expect(lastFrame()).toContain('not a segmentation and not proof'));
    expect(lastFrame()).toContain('Strongest part: logit change 0.80.');
    // the worker got the capture's image as logged
    expect((classifier.explain as ReturnType<typeof vi.fn>).mock.calls[0]![0]).toEqual(readFileSync(path.join(store.dataDir, store.captures()[0]!.image_path)));
    stdin.write(KEYS.escape);
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
  });

  it('l attaches the last capture to a new lesion, follows it with the next captures, and shows how it changed', async () => {
    const { stdin, lastFrame } = await renderAppWithCapture();
    stdin.write('b');
    stdin.write('left shoulder\t\r');
    await eventually(() => expect(lastFrame()).toContain('Saved the body site and note'));
    stdin.write('l');
    await eventually(() => expect(lastFrame()).toContain('+ new lesion at left shoulder'));
    stdin.write(KEYS.enter);
    await eventually(() => expect(lastFrame()).toMatch(/is a visit of lesion L1; the next captures of this session join it\./));
    expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('following lesion L1 · left shoulder: space adds a visit');
    stdin.write(' ');
    const [lesion] = store.lesions();
    await eventually(() => expect(store.capturesOfLesion(lesion!.id)).toHaveLength(2));
    // the visit is logged where the lesion is, so that its record and DICOM object say so
    await eventually(() => expect(store.capturesOfLesion(lesion!.id).map((capture) => capture.body_site)).toEqual(['left shoulder', 'left shoulder']));
    await eventually(() => expect(lastFrame()).toContain('captures: 2'));
    stdin.write('l');
    await eventually(() => expect(lastFrame()).toMatch(/L1 left shoulder · 2 visits · 83%/));
    stdin.write(KEYS.down);
    stdin.write(KEYS.right);
    await eventually(() => expect(lastFrame()).toContain('L1 · left shoulder · 2 visits · patient'));
    expect(lastFrame()).toContain('No change flagged since the visit before.');
    stdin.write(KEYS.escape);
    await eventually(() => expect(lastFrame()).toContain('+ new lesion'));
  });

  it("l before the first capture of a returning patient's session picks one of their lesions for the captures to come", async () => {
    const earlier = await store.startSession('alice', 'P-7');
    const lesion = await store.addLesion('P-7', 'back');
    await store.attachToLesion((await store.addCapture(earlier.id, still, { ...SAMPLE_RESULT, p_malignant: 0.2, label: 'benign' })).id, lesion.id);
    const { stdin, lastFrame } = renderApp();
    await settle();
    stdin.write('l');
    await eventually(() => expect(lastFrame()).toContain('A lesion belongs to a patient: plan a session with a patient reference (n)'));
    stdin.write('n');
    stdin.write('\tP-7\r');
    await eventually(() => expect(lastFrame()).toContain('patient ref: P-7'));
    stdin.write('l');
    await eventually(() => expect(lastFrame()).toMatch(/L1 back · 1 visit · 20%/));
    stdin.write(KEYS.down);
    stdin.write(KEYS.enter);
    await eventually(() => expect(lastFrame()).toContain('The next captures of this session join lesion L1.'));
    stdin.write(' ');
    await eventually(() => expect(store.capturesOfLesion(lesion.id)).toHaveLength(2));
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
    // 20% then 83% at a threshold of 42%: the lesion view says it crossed
    stdin.write('l');
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('· this capture'));
    stdin.write(KEYS.right);
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('Crossed the threshold (42%) since the last visit: p(malignant) 20% → 83%.'));
    expect(lastFrame()!.replace(/\s+/g, ' ')).toMatch(/Visits: \d{4}-\d\d-\d\d 20% · \d{4}-\d\d-\d\d 83%/);
  });

  it('a lesion made before its capture had a body site shows the site the capture gets afterwards', async () => {
    const { stdin, lastFrame } = await renderAppWithCapture();
    stdin.write('l');
    await eventually(() => expect(lastFrame()).toContain('+ new lesion'));
    stdin.write(KEYS.enter);
    await eventually(() => expect(lastFrame()).toContain('is a visit of lesion L1'));
    stdin.write('b');
    await eventually(() => expect(lastFrame()).toContain('Body site'));
    stdin.write(`left forearm${KEYS.enter}${KEYS.enter}`);
    await eventually(() => expect(lastFrame()).toContain('Saved the body site'));
    stdin.write('l');
    await eventually(() => expect(lastFrame()).toContain('L1 left forearm · 1 visit'));
  });

  it('with no operator named, opens by asking for one, and takes no capture until there is one', async () => {
    const classifier = answering();
    flow = new CaptureFlow({ camera, classifier, store, appVersion: '0.0.0-test' }, { operator: '' });
    const { stdin, lastFrame } = render(<App camera={camera} flow={flow} model={classifier.info} store={store} renderFrame={async () => ''} canvas={canvas} previewIntervalMs={20} />);
    await eventually(() => expect(lastFrame()).toContain('› Operator:'));
    stdin.write(KEYS.escape); // not now
    await eventually(() => expect(lastFrame()).not.toContain('› Operator:'));
    stdin.write(' ');
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('No operator yet: press n and give your name, then space.'));
    expect(classifier.classify).not.toHaveBeenCalled();
    stdin.write('n');
    await eventually(() => expect(lastFrame()).toContain('› Operator:'));
    stdin.write(`dana${KEYS.enter}${KEYS.enter}`);
    await eventually(() => expect(lastFrame()).toContain('operator: dana'));
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('captures: 1'));
    expect(store.sessions()[0]).toMatchObject({ operator: 'dana' });
  });

  it("shows the age of the data folder's last backup in the status line", async () => {
    const classifier = answering();
    flow = new CaptureFlow({ camera, classifier, store, appVersion: '0.0.0-test' }, { operator: 'alice' });
    const threeHoursAgo = () => new Date(Date.now() - 3 * 3600_000 - 60_000);
    const { lastFrame } = render(<App camera={camera} flow={flow} model={classifier.info} store={store} renderFrame={async () => ''} canvas={canvas} lastBackup={threeHoursAgo} />);
    await eventually(() => expect(lastFrame()).toContain('backup 3 h ago'));
  });

  it('h opens the history and e exports the session as CSV', async () => {
    const earlier = await store.startSession('operator', 'P-123456');
    await store.addCapture(earlier.id, still, SAMPLE_RESULT);
    const { stdin, lastFrame } = await renderAppWithCapture();
    stdin.write('h');
    await eventually(() => expect(lastFrame()).toContain('History'));
    // each session on one line, however long its operator and patient ref
    expect(lastFrame()).toMatch(/^\d\d-\d\d \d\d:\d\d operator \(1\) P-123456$/m);
    expect(lastFrame()).toMatch(/^\d\d-\d\d \d\d:\d\d alice \(1\) (DERMACAM-|…)[0-9A-F]{5,}/m);
    stdin.write(KEYS.escape);
    await eventually(() => expect(lastFrame()).not.toContain('History'));
    stdin.write('e');
    await eventually(() => expect(lastFrame()).toContain('Exported to'));
    const [csv] = readdirSync(store.dataDir).filter((name) => name.endsWith('.csv'));
    const file = path.join(store.dataDir, csv!);
    const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ operator: 'alice', label: 'malignant', model_name: 'fake' });
  });

  it('q quits', async () => {
    const { stdin, onQuit } = renderApp();
    await settle();
    stdin.write('q');
    await eventually(() => expect(onQuit).toHaveBeenCalled());
  });

  it('Esc twice to leave help closes it and stays in the app', async () => {
    const { stdin, lastFrame, onQuit } = renderApp();
    await settle();
    stdin.write('?');
    await eventually(() => expect(lastFrame()).toContain('NO REFERRAL SUGGESTED: below it.'));
    stdin.write(KEYS.escape);
    await eventually(() => expect(lastFrame()).not.toContain('REFER: above'));
    stdin.write(KEYS.escape);
    await eventually(() => expect(lastFrame()).toContain('q quits.'));
    expect(onQuit).not.toHaveBeenCalled();
  });
});

describe('App when things fail', () => {
  it('shows a camera failure in one sentence and stays usable', async () => {
    const { CameraError } = await import('../../src/camera/source.js');
    let broken = true;
    const flaky: CameraSource = {
      ...camera,
      capture: async () => {
        if (broken) throw new CameraError('No picture from /dev/video0: is the camera plugged in, and may this user open it?');
        return still;
      },
    };
    const { stdin, lastFrame } = renderApp(answering(), vi.fn(), flaky);
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('No picture from /dev/video0'));
    expect(store.captures()).toHaveLength(0);
    broken = false;
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
    expect(store.captures()).toHaveLength(1);
  });
});

describe('App when the disk fails', () => {
  it('says the capture was not saved, stays up, and saves the next one', async () => {
    const { StoreError } = await import('../../src/store/sessionLog.js');
    const { stdin, lastFrame } = renderApp();
    await settle();
    vi.spyOn(store, 'addCapture').mockRejectedValueOnce(new StoreError('The capture was not saved: the disk is full. Earlier captures are untouched.'));
    stdin.write(' ');
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('The capture was not saved: the disk is full.'));
    expect(store.captures()).toHaveLength(0);
    await captureOnce(stdin, lastFrame);
    expect(store.captures()).toHaveLength(1);
  });
});

describe('App while a capture is classified', () => {
  it('says that a second capture pressed meanwhile was not taken, and takes no retake of the capture to come', async () => {
    const classifier = slowClassifier(400);
    const { stdin, lastFrame } = renderApp(classifier);
    await settle();
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('classifying'));
    stdin.write(' ');
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('Busy classifying: press space again when the result is shown.'));
    stdin.write('r');
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('Busy classifying: press r again when the result is shown.'));
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
    expect(classifier.classify).toHaveBeenCalledTimes(1);
    expect(lastFrame()).not.toContain('[y/n]');
  });

  it('opens the help meanwhile: the result is there when the operator comes back', async () => {
    const { stdin, lastFrame } = renderApp(slowClassifier(400));
    await settle();
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('classifying'));
    stdin.write('?');
    await eventually(() => expect(lastFrame()).toContain('None of these is a diagnosis'));
    stdin.write('q');
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
  });

  /** Holds the classifier's next answer back until the returned function is called. */
  function holdNextAnswer(classifier: ReturnType<typeof answering>): () => void {
    const classify = classifier.classify.getMockImplementation()!;
    let answer = () => {};
    classifier.classify.mockImplementationOnce(async (picture) => {
      await new Promise<void>((resolve) => (answer = resolve));
      return classify(picture);
    });
    return () => answer();
  }
  function renderAppHoldingTheAnswer() {
    const classifier = answering();
    const answer = holdNextAnswer(classifier);
    return { ...renderApp(classifier), answer, classifier };
  }
  const said = (frame: string | undefined) => frame!.replace(/\s+/g, ' ');

  it('retakes nothing while a capture is classified, then the new capture, not the one before', async () => {
    const classifier = answering();
    const app = renderApp(classifier);
    await settle();
    await captureOnce(app.stdin, app.lastFrame);
    const answer = holdNextAnswer(classifier);
    const { stdin, lastFrame } = app;
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('classifying'));
    stdin.write('r');
    await eventually(() => expect(said(lastFrame())).toContain('Busy classifying: press r again when the result is shown.'));
    stdin.write('y');
    await settle();
    expect(lastFrame()).not.toContain('[y/n]');
    expect(store.captures().map((capture) => capture.withdrawn_at)).toEqual([null]);
    answer();
    await eventually(() => expect(store.captures()).toHaveLength(2));
    await eventually(() => expect(said(lastFrame())).not.toContain('Busy classifying'));
    const [before, fresh] = store.captures();
    stdin.write('r');
    await eventually(() => expect(lastFrame()).toContain('[y/n]'));
    stdin.write('y');
    await eventually(() => expect(store.captures()[1]!.withdrawn_at).not.toBeNull());
    expect(store.captures()[0]!.withdrawn_at).toBeNull();
    expect(existsSync(path.join(store.dataDir, before!.image_path))).toBe(true);
    expect(existsSync(path.join(store.dataDir, fresh!.image_path))).toBe(false);
  });

  it('acts on no capture, session or log key until the result shows, and says so', async () => {
    const { stdin, lastFrame, answer } = renderAppHoldingTheAnswer();
    await settle();
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('classifying'));
    for (const key of ['e', 'b', 'x', 'l', 'h', 'n']) {
      stdin.write(key);
      await eventually(() => expect(said(lastFrame())).toContain(`Busy classifying: press ${key} again when the result is shown.`));
    }
    await settle();
    expect(lastFrame()).toContain('classifying'); // still the main screen: no form, list or export
    expect(readdirSync(store.dataDir).filter((name) => name.endsWith('.csv'))).toEqual([]);
    answer();
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
    expect(said(lastFrame())).not.toContain('Busy classifying');
    stdin.write('e');
    await eventually(() => expect(said(lastFrame())).toContain('Exported to'));
  });

  it('quits during a capture only when q is pressed again, and asks again for the next capture', async () => {
    const { stdin, lastFrame, answer, onQuit, classifier } = renderAppHoldingTheAnswer();
    await settle();
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('classifying'));
    stdin.write('q');
    await eventually(() => expect(said(lastFrame())).toContain('Still classifying: press q again to quit without this capture.'));
    expect(onQuit).not.toHaveBeenCalled();
    answer();
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
    expect(said(lastFrame())).not.toContain('Still classifying');
    expect(store.captures()).toHaveLength(1);

    classifier.classify.mockImplementationOnce(() => new Promise(() => {}));
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('classifying'));
    stdin.write('q');
    await eventually(() => expect(said(lastFrame())).toContain('Still classifying: press q again'));
    expect(onQuit).not.toHaveBeenCalled();
    stdin.write('q');
    await eventually(() => expect(onQuit).toHaveBeenCalledTimes(1));
  });
});

describe('App when the log refuses a change', () => {
  it('says why in a sentence and stays up when a new session or a retake cannot be saved', async () => {
    const full = new StoreError('The new session was not saved: the disk is full. Earlier captures are untouched.');
    vi.spyOn(store, 'startSession').mockRejectedValueOnce(full);
    const { stdin, lastFrame } = renderApp();
    await settle();
    stdin.write(' '); // the first capture starts the session
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('The new session was not saved: the disk is full.'));
    expect(store.captures()).toEqual([]);
    await captureOnce(stdin, lastFrame); // still up, and the next capture starts it
    expect(store.sessions()).toHaveLength(1);

    vi.spyOn(store, 'withdrawCapture').mockRejectedValueOnce(new StoreError('The withdrawal was not saved: the disk is full. Earlier captures are untouched.'));
    stdin.write('r');
    await eventually(() => expect(lastFrame()).toContain('[y/n]'));
    stdin.write('y');
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toContain('The withdrawal was not saved'));
    stdin.write(' ');
    await eventually(() => expect(store.captures()).toHaveLength(2));
  });
});

describe('App preview', () => {
  it('keeps moving at its rate while a capture is classified', async () => {
    const classifier = slowClassifier(600);
    const { stdin, lastFrame } = renderApp(classifier);
    await eventually(() => expect(canvas.frames.length).toBeGreaterThan(0));
    stdin.write(' ');
    await eventually(() => expect(lastFrame()).toContain('classifying'));
    const busyStart = canvas.frames.length;
    await settle(500);
    const busy = canvas.frames.length - busyStart;
    await eventually(() => expect(lastFrame()).toContain('REFER to a clinician'));
    expect(busy).toBeGreaterThanOrEqual(10); // 20 ms frames: 25 in the half second, had the classification not slowed it
  });

  it('renders a picture only when the camera hands over a new one', async () => {
    const { unmount } = renderApp(); // its camera gives the same still every time
    await eventually(() => expect(canvas.frames.length).toBeGreaterThan(5));
    expect(frames).toBe(1);
    unmount();
    let picture = 0;
    renderApp(answering(), vi.fn(), { ...camera, previewFrame: async () => Buffer.from([++picture]) });
    await eventually(() => expect(frames).toBeGreaterThan(5));
  });

  it('says when the camera gives no frames, withdraws the picture, and comes back when it recovers', async () => {
    const { CameraError } = await import('../../src/camera/source.js');
    let unplugged = false;
    const unpluggable: CameraSource = {
      ...camera,
      previewFrame: async () => {
        if (unplugged) throw new CameraError('Camera gone.');
        return still;
      },
    };
    const { lastFrame } = renderApp(answering(), vi.fn(), unpluggable);
    await eventually(() => expect(canvas.area).toBeDefined());
    unplugged = true;
    await eventually(() => expect(lastFrame()).toContain('Camera gone. Retrying'));
    expect(canvas.area).toBeUndefined();
    await eventually(() => expect(lastFrame()).toContain('camera no picture · data'));
    const framesWhileUnplugged = canvas.frames.length;
    unplugged = false;
    await eventually(() => expect(canvas.area).toBeDefined(), 5000); // retried after two seconds
    expect(canvas.frames.length).toBeGreaterThan(framesWhileUnplugged);
    expect(lastFrame()).not.toContain('Retrying');
    await eventually(() => expect(lastFrame()).toContain('camera ok · data'));
  });
});
