import { float16Value } from './float16.js';
import type { LayersFolder } from './layersFolder.js';

/**
 * The network as plain data, with each convolution's BatchNormalization and ReLU6 folded into it:
 * the batch-norm scale goes into the kernel, its shift becomes a bias, and one fused kernel does
 * convolution, bias and ReLU6. The same arithmetic as the layers in a third of the passes over
 * memory. Both the tfjs forward pass (tfjsForward.ts) and the ONNX export read it, so the two
 * runtimes run one topology with one set of folded weights.
 */
export interface FoldedGraph {
  input: string;
  inputSize: number;
  output: string;
  steps: FoldedStep[];
}

/** Kernels keep TensorFlow's layout: [height, width, in, out] (depthwise: [height, width, in, 1]). */
export type FoldedStep =
  | {
      op: 'conv';
      depthwise: boolean;
      source: string;
      output: string;
      kernel: Float32Array;
      shape: [number, number, number, number];
      bias: Float32Array;
      strides: [number, number];
      padding: 'same' | 'valid';
    }
  | { op: 'pool'; pool: 'avg' | 'max'; source: string; output: string }
  | { op: 'concat'; sources: string[]; output: string }
  | { op: 'dense'; source: string; output: string; kernel: Float32Array; shape: [number, number]; bias: Float32Array; relu: boolean };

interface LayerJson {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes?: [string, number, number, unknown][][];
}

/**
 * Folds a tfjs layers folder. Returns undefined for a topology or weight encoding it does not
 * know (the caller then runs the model layer by layer), or when `watchLayer` is not in the graph.
 */
export function foldLayers(folder: LayersFolder, watchLayer?: string): FoldedGraph | undefined {
  const layers = topologyLayers(folder.artifacts.modelTopology);
  const weights = decodeWeights(folder);
  if (!layers || !weights || layers[0]?.class_name !== 'InputLayer') return undefined;
  const inputShape = layers[0].config.batch_input_shape as (number | null)[] | undefined;
  const inputSize = inputShape?.[1];
  if (typeof inputSize !== 'number') return undefined;
  // a layer that passes its input through (dropout) is an alias for its source
  const alias = new Map<string, string>();
  const sourcesOf = (layer: LayerJson) => (layer.inbound_nodes?.[0] ?? []).map(([name]) => alias.get(name) ?? name);
  const weight = (layer: string, name: string) => weights.get(`${layer}/${name}`);
  const steps: FoldedStep[] = [];
  for (let i = 1; i < layers.length; i++) {
    const layer = layers[i]!;
    const name = layer.config.name;
    const [source] = sourcesOf(layer);
    switch (layer.class_name) {
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const [norm, activation] = [layers[i + 1], layers[i + 2]];
        if (norm?.class_name !== 'BatchNormalization' || activation?.class_name !== 'Activation' || activation.config.activation !== 'relu6') return undefined;
        const step = foldConvolution(layer, norm, source!, activation.config.name, weight);
        if (!step) return undefined;
        steps.push(step);
        i += 2;
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        steps.push({ op: 'pool', pool: layer.class_name === 'GlobalAveragePooling2D' ? 'avg' : 'max', source: source!, output: name });
        break;
      case 'Concatenate':
        steps.push({ op: 'concat', sources: sourcesOf(layer), output: name });
        break;
      case 'Dense': {
        const kernel = weight(name, 'kernel');
        const units = layer.config.units as number;
        const activation = layer.config.activation;
        if (!kernel || (activation !== 'relu' && activation !== 'linear')) return undefined;
        const bias = weight(name, 'bias') ?? new Float32Array(units);
        steps.push({ op: 'dense', source: source!, output: name, kernel, shape: [kernel.length / units, units], bias, relu: activation === 'relu' });
        break;
      }
      case 'Dropout':
        alias.set(name, source!);
        break;
      default:
        return undefined;
    }
  }
  const outputs = new Set(steps.map((step) => step.output));
  if (watchLayer && !outputs.has(watchLayer)) return undefined;
  return { input: layers[0].config.name, inputSize, output: steps.at(-1)!.output, steps };
}

function foldConvolution(
  conv: LayerJson,
  norm: LayerJson,
  source: string,
  output: string,
  weight: (layer: string, name: string) => Float32Array | undefined,
): FoldedStep | undefined {
  const depthwise = conv.class_name === 'DepthwiseConv2D';
  const raw = weight(conv.config.name, depthwise ? 'depthwise_kernel' : 'kernel');
  const [mean, variance] = [weight(norm.config.name, 'moving_mean'), weight(norm.config.name, 'moving_variance')];
  const size = conv.config.kernel_size as [number, number];
  const strides = conv.config.strides as [number, number];
  const padding = conv.config.padding;
  const dilation = conv.config.dilation_rate as [number, number] | undefined;
  if (!raw || !mean || !variance || (padding !== 'same' && padding !== 'valid') || dilation?.some((d) => d !== 1)) return undefined;
  const channels = mean.length;
  const gamma = weight(norm.config.name, 'gamma') ?? new Float32Array(channels).fill(1);
  const beta = weight(norm.config.name, 'beta') ?? new Float32Array(channels);
  const convBias = weight(conv.config.name, 'bias') ?? new Float32Array(channels);
  const epsilon = norm.config.epsilon as number;
  const scale = mean.map((_, c) => gamma[c]! / Math.sqrt(variance[c]! + epsilon));
  // the output channel is the kernel's last axis for a convolution, in x multiplier for a depthwise one
  const kernel = raw.map((value, index) => value * scale[index % channels]!);
  const bias = mean.map((m, c) => (convBias[c]! - m) * scale[c]! + beta[c]!);
  const taps = size[0] * size[1];
  if (depthwise && raw.length !== taps * channels) return undefined; // a depth multiplier above 1
  const shape: [number, number, number, number] = depthwise ? [size[0], size[1], channels, 1] : [size[0], size[1], raw.length / (taps * channels), channels];
  return { op: 'conv', depthwise, source, output, kernel, shape, bias, strides, padding };
}

function topologyLayers(topology: unknown): LayerJson[] | undefined {
  const config = (topology as { config?: { layers?: unknown } } | undefined)?.config;
  return Array.isArray(config?.layers) ? (config.layers as LayerJson[]) : undefined;
}

/** Every weight as float32, by name; undefined for an encoding other than float32 or float16. */
function decodeWeights({ artifacts }: LayersFolder): Map<string, Float32Array> | undefined {
  const data = artifacts.weightData;
  if (!(data instanceof ArrayBuffer) || !artifacts.weightSpecs) return undefined;
  const weights = new Map<string, Float32Array>();
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    const count = spec.shape.reduce((product, dim) => product * dim, 1);
    const encoding = spec.quantization?.dtype ?? spec.dtype;
    if (encoding === 'float16') {
      const bits = new Uint16Array(data.slice(offset, offset + 2 * count));
      weights.set(spec.name, Float32Array.from(bits, float16Value));
      offset += 2 * count;
    } else if (encoding === 'float32') {
      weights.set(spec.name, new Float32Array(data.slice(offset, offset + 4 * count)));
      offset += 4 * count;
    } else return undefined;
  }
  return weights;
}
