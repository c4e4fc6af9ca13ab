/**
 * Runs the classifier in a worker thread, so that the terminal UI keeps drawing the preview and
 * reading keys while an image is classified. Messages: see workerClient.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadClassifier } from './classifier.js';
import type { WorkerRequest, WorkerResponse, WorkerSetup } from './workerClient.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const post = (message: WorkerResponse) => port.postMessage(message);

// TensorFlow.js is imported only when a tfjs backend is tried: with ONNX Runtime it is never loaded
const loadTf = async () => {
  const tf = await import('@tensorflow/tfjs');
  tf.enableProdMode();
  return tf;
};
try {
  const classifier = await loadClassifier({ tf: loadTf, modelDir: setup.modelDir, backend: setup.backend });
  const { card } = classifier;
  post({
    type: 'ready',
    info: {
      modelId: classifier.modelId,
      modelName: card.name,
      modelVersion: card.version,
      modelSha256: card.weights_sha256,
      backend: classifier.backend,
      threshold: classifier.threshold,
      uncertainBand: { low: card.uncertain_band.low, high: card.uncertain_band.high },
      oodThreshold: card.out_of_distribution.threshold,
    },
    flips: card.test_time_flips,
    rules: { calibration: card.calibration, threshold: card.threshold, uncertain_band: card.uncertain_band, out_of_distribution: card.out_of_distribution },
  });
  port.on('message', async (request: WorkerRequest) => {
    const { id } = request;
    try {
      const image = Buffer.from(request.image);
      if (request.kind === 'analyse') post({ type: 'analysis', id, analysis: await classifier.analyse(image, request.flips, request.withQuality) });
      else post({ type: 'explanation', id, explanation: await classifier.explain(image, (done) => post({ type: 'progress', id, done })) });
    } catch (error) {
      post({ type: 'error', id: request.id, message: (error as Error).message });
    }
  });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
