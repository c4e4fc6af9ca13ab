import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from './appVersion.js';

/** The compiled pixel kernels (kernels/, AssemblyScript): what each export takes is described there. */
interface KernelExports {
  memory: WebAssembly.Memory;
  reset(): void;
  take(bytes: number): number;
  jpegRoundTrip(rgb: number, n: number, tables: number): number;
  enlarge(rgb: number, n: number, side: number, taps: number): number;
}

export const KERNELS_WASM = path.join(PACKAGE_ROOT, 'kernels', 'kernels.wasm');

let loaded: KernelExports | undefined;

/** The kernels, compiled on first use (2-6 ms here; the module is 5 KB). */
function kernels(): KernelExports {
  loaded ??= new WebAssembly.Instance(new WebAssembly.Module(readFileSync(KERNELS_WASM))).exports as unknown as KernelExports;
  return loaded;
}

/**
 * Runs one kernel: copies `inputs` into its memory, calls `run` with where each landed, and
 * copies out the `outputBytes` bytes at the address it returns.
 */
export function runKernel(inputs: ArrayBufferView[], outputBytes: number, run: (exports: KernelExports, ...addresses: number[]) => number): Uint8Array {
  const exports = kernels();
  exports.reset();
  const addresses = inputs.map((input) => {
    const at = exports.take(input.byteLength);
    new Uint8Array(exports.memory.buffer, at, input.byteLength).set(new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
    return at;
  });
  const output = run(exports, ...addresses);
  // the memory may have grown during the call, which replaces its buffer
  return new Uint8Array(exports.memory.buffer, output, outputBytes).slice();
}
