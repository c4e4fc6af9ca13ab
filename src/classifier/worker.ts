/**
 * Runs the classifier in a worker thread, so that the terminal UI keeps drawing the preview and
 * reading keys while an image is classified. Messages: see workerClient.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { loadClassifier } from './classifier.js';
import type { WorkerRequest, WorkerResponse, WorkerSetup } from './workerClient.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const post = (message: WorkerResponse) => port.postMessage(message);

tf.enableProdMode();
try {
  const classifier = await loadClassifier({ tf, modelDir: setup.modelDir, backend: setup.backend });
  const { card } = classifier;
  post({
    type: 'ready',
    info: {
      modelId: classifier.modelId,
      modelName: card.name,
      modelSha256: card.weights_sha256,
      backend: classifier.backend,
      threshold: classifier.threshold,
    },
    flips: card.test_time_flips,
    calibration: card.calibration,
  });
  port.on('message', async (request: WorkerRequest) => {
    try {
      post({ type: 'logits', id: request.id, logits: await classifier.flipLogits(Buffer.from(request.image), request.flips) });
    } catch (error) {
      post({ type: 'error', id: request.id, message: (error as Error).message });
    }
  });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
