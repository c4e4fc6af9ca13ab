import { readFileSync } from 'node:fs';
import type * as Ort from 'onnxruntime-node';
import { flippedBatch } from './features.js';
import { noBuildHere } from './backend.js';
import { ModelFolderError } from './modelFile.js';
import { inputSizeMismatch, outputsByFlip, type Network } from './network.js';

/** The names the exported ONNX graph gives its tensors (scripts/lib/onnxExport.ts); a Keras layer name has no slash, so these clash with none. */
export const ONNX_INPUT = 'pixels';
export const ONNX_LOGIT = 'output/logit';
export const ONNX_FEATURES = 'output/features';

/** The architectures onnxruntime-node ships a build for, on Linux as on macOS and Windows (its bin/napi-v6/<platform>/<arch>). */
const ONNX_RUNTIME_ARCHITECTURES: readonly string[] = ['x64', 'arm64'];

/**
 * The longest command line onnxruntime-node is started under. Its start-up reads the process's command
 * line with a recursion one level deep per character, on the main thread's stack: measured here (x64,
 * 8 MB stack), a command line of about 29 KB crashes the process with a segmentation fault
 * (`classify` given 580 files by path). Half of that leaves room for larger stack frames elsewhere.
 */
const MAX_ONNX_COMMAND_LINE_BYTES = 16 * 1024;

/** The length of this process's command line as the kernel holds it (/proc/self/cmdline), or as near as argv gives it. */
function commandLineBytes(): number {
  try {
    return readFileSync('/proc/self/cmdline').length;
  } catch {
    return [process.execPath, ...process.execArgv, ...process.argv.slice(1)].reduce((sum, arg) => sum + Buffer.byteLength(arg) + 1, 0);
  }
}

/** onnxruntime-node, or why it cannot run here (in words for the operator). */
export async function loadOnnxRuntime(commandLength: number = commandLineBytes()): Promise<{ ort: typeof Ort } | { problem: string }> {
  if (commandLength > MAX_ONNX_COMMAND_LINE_BYTES) {
    return { problem: `the command line is ${Math.ceil(commandLength / 1024)} KB long, and onnxruntime-node crashes when it starts under one of about 29 KB (name a folder instead of its files)` };
  }
  try {
    return { ort: (await import('onnxruntime-node')) as typeof Ort };
  } catch (error) {
    return { problem: onnxRuntimeProblem(error) };
  }
}

/** onnxruntime-node, or undefined where the optional package is not installed or has no build for this machine. */
export async function importOnnxRuntime(): Promise<typeof Ort | undefined> {
  const loaded = await loadOnnxRuntime();
  return 'ort' in loaded ? loaded.ort : undefined;
}

/**
 * Why importing onnxruntime-node failed. On an architecture it has no build for (32-bit ARM, the
 * armhf Raspberry Pi OS) npm installs the package all the same, and its import fails on the
 * missing binding; or its install failed and npm left the optional package out.
 */
export function onnxRuntimeProblem(error: unknown, arch: string = process.arch): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!ONNX_RUNTIME_ARCHITECTURES.includes(arch) || message.includes('onnxruntime_binding.node')) return noBuildHere('onnxruntime-node', arch);
  if (message.includes("'onnxruntime-node'")) return 'the optional package onnxruntime-node is not installed';
  return `onnxruntime-node is installed but could not be loaded (${message.split('\n')[0]})`;
}

/** The network on ONNX Runtime's CPU provider, from the model folder's exported graph; a graph that does not take `inputSize`-pixel pictures is refused. */
export async function buildOnnxNetwork(ort: typeof Ort, model: Uint8Array, inputSize: number, source: string, { watch = false } = {}): Promise<Network> {
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', executionMode: 'sequential' });
  } catch (error) {
    throw new ModelFolderError(`The ONNX model in ${source} could not be loaded (${(error as Error).message.split('\n')[0]}).`);
  }
  // a refused session is released here: no one else holds it
  function refuse(error: ModelFolderError): never {
    void session.release();
    throw error;
  }
  const graphSize = squareInputSize(session);
  if (graphSize === undefined || !session.outputNames.includes(ONNX_LOGIT)) {
    refuse(new ModelFolderError(`The ONNX model in ${source} does not take pictures as "${ONNX_INPUT}" [batch, size, size, 3] and give "${ONNX_LOGIT}", as this app's export does.`));
  }
  if (graphSize !== inputSize) refuse(inputSizeMismatch(source, graphSize, inputSize));
  if (watch && !session.outputNames.includes(ONNX_FEATURES)) {
    refuse(new ModelFolderError(`The ONNX model in ${source} lacks the "${ONNX_FEATURES}" output that the "not a lesion" check reads.`));
  }
  const fetches = watch ? [ONNX_LOGIT, ONNX_FEATURES] : [ONNX_LOGIT];
  return {
    inputSize,
    async run(inputs, flips) {
      const pixels = new ort.Tensor('float32', flippedBatch(inputs, inputSize, flips), [flips.length * inputs.length, inputSize, inputSize, 3]);
      const results = await session.run({ [ONNX_INPUT]: pixels }, fetches);
      const logits = results[ONNX_LOGIT]!.data as Float32Array;
      const features = watch ? (results[ONNX_FEATURES]!.data as Float32Array) : undefined;
      return outputsByFlip(logits, features, flips.length);
    },
    dispose: () => void session.release(),
  };
}

/** The side of the square RGB pictures the graph takes, read off its input's shape; undefined for any other input. */
function squareInputSize(session: Ort.InferenceSession): number | undefined {
  const input = session.inputMetadata.find(({ name }) => name === ONNX_INPUT);
  if (!input?.isTensor || input.type !== 'float32') return undefined;
  const [, height, width, channels] = input.shape;
  return input.shape.length === 4 && typeof height === 'number' && height > 0 && height === width && channels === 3 ? height : undefined;
}
