import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import type { BackendName, BackendRequest } from './backend.js';
import type { Prediction } from './classifier.js';

export interface WorkerSetup {
  modelDir: string;
  backend: BackendRequest;
}

export interface ModelInfo {
  modelId: string;
  modelName: string;
  modelSha256: string;
  backend: BackendName;
  threshold: number;
}

export type WorkerRequest = { id: number; image: Uint8Array };
export type WorkerResponse =
  | { type: 'ready'; info: ModelInfo }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; prediction: Prediction }
  | { type: 'error'; id: number; message: string };

/** What the app needs of a classifier: who it is, and an asynchronous classification of a still. */
export interface ImageClassifier {
  info: ModelInfo;
  classify(image: Buffer): Promise<Prediction>;
  close(): Promise<void>;
}

/** Starts the worker thread (dist/classifier/worker.js) and waits until its model is loaded. */
export function startClassifierWorker(setup: WorkerSetup): Promise<ImageClassifier> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: setup });
  const pending = new Map<number, { resolve: (p: Prediction) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  return new Promise((resolveReady, rejectReady) => {
    worker.on('error', (error) => rejectReady(new UserError(`The classifier could not start (${error.message}).`)));
    worker.on('message', (message: WorkerResponse) => {
      if (message.type === 'failed') rejectReady(new UserError(message.message));
      if (message.type === 'ready') {
        resolveReady({
          info: message.info,
          classify(image) {
            const id = nextId++;
            return new Promise((resolve, reject) => {
              pending.set(id, { resolve, reject });
              worker.postMessage({ id, image } satisfies WorkerRequest);
            });
          },
          close: async () => {
            await worker.terminate();
          },
        });
      }
      if (message.type === 'result' || message.type === 'error') {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === 'result') waiter?.resolve(message.prediction);
        else waiter?.reject(new UserError(message.message));
      }
    });
  });
}
