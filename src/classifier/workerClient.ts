import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { UserError } from '../errors.js';
import type { BackendName, BackendRequest } from './backend.js';
import type { Explanation, Prediction } from './classifier.js';
import { decide, type DecisionRules, type FlipAnalysis } from './decision.js';
import type { Flip } from './features.js';

export interface WorkerSetup {
  modelDir: string;
  backend: BackendRequest;
}

export interface ModelInfo {
  modelId: string;
  modelName: string;
  modelVersion: string;
  modelSha256: string;
  backend: BackendName;
  threshold: number;
  /** The calibrated probabilities around the threshold that are answered "uncertain". */
  uncertainBand: { low: number; high: number };
  /** The "not a lesion" score above which a picture is refused. */
  oodThreshold: number;
}

export type WorkerRequest =
  | { id: number; kind: 'analyse'; image: Uint8Array; flips: Flip[]; withQuality: boolean }
  | { id: number; kind: 'explain'; image: Uint8Array };
export type WorkerResponse =
  | { type: 'ready'; info: ModelInfo; flips: Flip[]; rules: DecisionRules }
  | { type: 'failed'; message: string }
  | { type: 'analysis'; id: number; analysis: FlipAnalysis }
  | { type: 'explanation'; id: number; explanation: Explanation }
  | { type: 'progress'; id: number; done: number }
  | { type: 'error'; id: number; message: string };

/** What the app needs of a classifier: who it is, and an asynchronous classification of a still. */
export interface ImageClassifier {
  info: ModelInfo;
  classify(image: Buffer): Promise<Prediction>;
  /** Where the model looked in a still (its occlusion map), with the share done so far as it goes. */
  explain(image: Buffer, onProgress?: (done: number) => void): Promise<Explanation>;
  close(): Promise<void>;
}

type Ready = Extract<WorkerResponse, { type: 'ready' }>;
/** A request before it is numbered. */
type Unnumbered<R> = R extends unknown ? Omit<R, 'id'> : never;
type Request = Unnumbered<WorkerRequest>;

interface ClassifierWorker {
  ready: Ready;
  analyse(image: Buffer, flips: Flip[], withQuality: boolean): Promise<FlipAnalysis>;
  explain(image: Buffer, onProgress?: (done: number) => void): Promise<Explanation>;
  terminate(): Promise<unknown>;
}

interface Waiter {
  resolve: (result: FlipAnalysis | Explanation) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number) => void;
}

/** Starts one worker thread running `script` and waits until its model is loaded. */
function startWorker(setup: WorkerSetup, script: URL): Promise<ClassifierWorker> {
  const worker = new Worker(script, { workerData: setup });
  const pending = new Map<number, Waiter>();
  let nextId = 0;
  let ready = false;
  // a worker that dies after starting (out of memory, say) fails what it was doing, rather than leaving it waiting
  const failPending = (why: string) => {
    for (const waiter of pending.values()) waiter.reject(new UserError(`The classifier stopped (${why}); restart dermacam.`));
    pending.clear();
  };
  const ask = (request: Request, onProgress?: (done: number) => void) => {
    const id = nextId++;
    return new Promise<FlipAnalysis | Explanation>((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, ...request } as WorkerRequest);
    });
  };
  worker.on('exit', (code) => failPending(`exit code ${code}`));
  return new Promise((resolveReady, rejectReady) => {
    worker.on('error', (error) => (ready ? failPending(error.message) : rejectReady(new UserError(`The classifier could not start (${error.message}).`))));
    worker.on('message', (message: WorkerResponse) => {
      if (message.type === 'failed') rejectReady(new UserError(message.message));
      if (message.type === 'ready') {
        ready = true;
        resolveReady({
          ready: message,
          analyse: (image, flips, withQuality) => ask({ kind: 'analyse', image, flips, withQuality }) as Promise<FlipAnalysis>,
          explain: (image, onProgress) => ask({ kind: 'explain', image }, onProgress) as Promise<Explanation>,
          terminate: () => worker.terminate(),
        });
      }
      if (message.type === 'progress') pending.get(message.id)?.onProgress?.(message.done);
      if (message.type === 'analysis' || message.type === 'explanation' || message.type === 'error') {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === 'analysis') waiter?.resolve(message.analysis);
        else if (message.type === 'explanation') waiter?.resolve(message.explanation);
        else waiter?.reject(new UserError(message.message));
      }
    });
  });
}

/**
 * A worker takes up to this many flips of a still in one batch. Each worker holds its own copy of
 * the model (about 90 MB for alpha 0.75) and decodes the still again, while a second flip in the
 * same batch costs little more than one forward pass (the 3.0.1 card's latency: onnx 1.9 ms for one
 * flip, 3.5 for two): a two-flip model gets one worker, as a Pi has little memory.
 */
const FLIPS_PER_WORKER = 2;

/**
 * Starts a worker thread with the model and, where the card asks for more test-time flips than
 * one worker takes and `maxCount` allows, more of them to share each still's flips (the first also
 * runs the quality gate): a capture then takes about 1/count of the time on a multi-core machine.
 * The workers run `script`: by default the built worker beside the built code that calls this (dist/worker.js).
 */
export async function startClassifierWorkers(setup: WorkerSetup, maxCount: number, script = new URL('./worker.js', import.meta.url)): Promise<ImageClassifier> {
  const first = await startWorker(setup, script);
  const { info, flips, rules } = first.ready;
  const others = await Promise.allSettled(Array.from({ length: Math.min(maxCount, Math.ceil(flips.length / FLIPS_PER_WORKER)) - 1 }, () => startWorker(setup, script)));
  const workers = [first, ...others.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))];
  const failure = others.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw failure.reason;
  }
  const shares = workers.map((_, w) => flips.filter((_, i) => i % workers.length === w));
  // the first still through a worker also starts its image decoder: do that now, not on the first capture
  const grey = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  await Promise.all(shares.map((share, w) => workers[w]!.analyse(grey, share, w === 0)));
  return {
    info,
    async classify(image) {
      const startedAt = performance.now();
      const parts = await Promise.all(shares.map((share, w) => workers[w]!.analyse(image, share, w === 0)));
      return { ...decide(rules, parts), ms: performance.now() - startedAt };
    },
    explain: (image, onProgress) => first.explain(image, onProgress),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
