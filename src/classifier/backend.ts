import type * as TF from '@tensorflow/tfjs';
import { UserError } from '../errors.js';

export type BackendRequest = 'auto' | 'onnx' | 'node' | 'wasm' | 'cpu';
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'onnx', 'node', 'wasm', 'cpu'];

/** A backend that runs the network: ONNX Runtime, or one of tfjs's (tfjs calls the native one `tensorflow`). */
export type BackendName = Exclude<BackendRequest, 'auto'>;
export type TfjsBackendName = Exclude<BackendName, 'onnx'>;

/** What `auto` tries, fastest first (README, "Speed and memory"). */
export const AUTO_ORDER: readonly BackendName[] = ['onnx', 'node', 'wasm', 'cpu'];

export class BackendError extends UserError {
  /** @param problem why the backend cannot run here, without the sentence around it (doctor's backend line gathers them). */
  constructor(
    message: string,
    readonly problem?: string,
  ) {
    super(message);
  }
}

type Loader = (tf: typeof TF) => Promise<boolean>;

const loaders: Record<TfjsBackendName, Loader> = {
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

/** Why a tfjs backend cannot run here, in words for the operator (onnx says why itself: loadOnnxRuntime). */
export const ABSENT: Record<TfjsBackendName, string> = {
  node: 'the optional package @tensorflow/tfjs-node is not installed',
  wasm: 'the WebAssembly backend could not start',
  cpu: 'the JavaScript backend could not start',
};

/** A native package with no build for this machine's architecture, in words (`arm` is Node's name for 32-bit ARM, the armhf Raspberry Pi OS). */
export function noBuildHere(nativePackage: string, arch: string = process.arch): string {
  return `${nativePackage} has no build for this architecture (${arch === 'arm' ? '32-bit ARM' : arch})`;
}

/** Activates a tfjs backend on `tf`; false where it is not available on this machine. */
export async function activateTfjsBackend(tf: typeof TF, name: TfjsBackendName): Promise<boolean> {
  if (!(await loaders[name](tf))) return false;
  await tf.ready();
  return true;
}
