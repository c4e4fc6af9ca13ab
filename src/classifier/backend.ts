import type * as TF from '@tensorflow/tfjs';
import { UserError } from '../errors.js';

export type BackendRequest = 'auto' | 'node' | 'wasm' | 'cpu';
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'node', 'wasm', 'cpu'];

/** The name a backend goes by in reports: tfjs calls the native one `tensorflow`. */
export type BackendName = 'node' | 'wasm' | 'cpu';

export class BackendError extends UserError {}

type Loader = (tf: typeof TF) => Promise<boolean>;

const loaders: Record<BackendName, Loader> = {
  node: async (tf) => {
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      return false;
    }
    return tf.setBackend('tensorflow');
  },
  wasm: async (tf) => {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      return await tf.setBackend('wasm');
    } catch {
      return false;
    }
  },
  cpu: async (tf) => tf.setBackend('cpu'),
};

/**
 * Activates the requested backend on `tf`. `auto` tries the native TensorFlow binding,
 * then WebAssembly, then plain JavaScript.
 */
export async function selectBackend(tf: typeof TF, request: BackendRequest): Promise<BackendName> {
  const candidates: BackendName[] = request === 'auto' ? ['node', 'wasm', 'cpu'] : [request];
  for (const name of candidates) {
    if (await loaders[name](tf)) {
      await tf.ready();
      return name;
    }
  }
  const hint = request === 'node' ? ' (the optional package @tensorflow/tfjs-node is not installed)' : '';
  throw new BackendError(`The ${request} backend is not available on this machine${hint}; try --backend wasm or --backend cpu.`);
}
