import type { FoldedGraph, FoldedStep } from '../../src/classifier/foldedGraph.js';
import { ONNX_INPUT, ONNX_LOGIT, ONNX_FEATURES } from '../../src/classifier/onnxNetwork.js';
import { ProtoWriter } from './protobuf.js';

/** ONNX's own numbers for what the export writes (onnx.proto). */
const FLOAT = 1;
const ATTRIBUTE = { INT: 2, STRING: 3, INTS: 7 } as const;
const IR_VERSION = 8;
export const ONNX_OPSET = 13;

type Attribute = { name: string } & ({ int: number } | { ints: number[] } | { string: string });

/**
 * Writes a folded graph as an ONNX model: NHWC input (as tfjs takes it) transposed once to
 * ONNX's NCHW, each folded convolution as Conv + Clip(0, 6), pooling, concatenation and dense
 * layers as GlobalAveragePool / GlobalMaxPool + Flatten, Concat and Gemm (+ Relu). Outputs the
 * malignant logit and, when asked, the watched layer's values (the "not a lesion" features).
 */
export function writeOnnx(graph: FoldedGraph, { watchLayer, name }: { watchLayer?: string; name: string }): Uint8Array {
  const nodes: ProtoWriter[] = [];
  const initializers: ProtoWriter[] = [];
  const node = (op: string, inputs: string[], output: string, attributes: Attribute[] = []) => nodes.push(nodeProto(op, inputs, output, attributes));
  const initializer = (tensorName: string, dims: number[], values: Float32Array) => {
    initializers.push(tensorProto(tensorName, dims, values));
    return tensorName;
  };
  const [clipMin, clipMax] = [initializer('relu6/min', [], Float32Array.of(0)), initializer('relu6/max', [], Float32Array.of(6))];

  node('Transpose', [ONNX_INPUT], graph.input, [{ name: 'perm', ints: [0, 3, 1, 2] }]);
  for (const step of graph.steps) {
    switch (step.op) {
      case 'conv': {
        const weights = initializer(`${step.output}/kernel`, onnxKernelShape(step), toOnnxKernel(step));
        const bias = initializer(`${step.output}/bias`, [step.bias.length], step.bias);
        const [height, width, channels] = step.shape;
        node('Conv', [step.source, weights, bias], `${step.output}/linear`, [
          { name: 'kernel_shape', ints: [height, width] },
          { name: 'strides', ints: step.strides },
          // TensorFlow's 'same' puts the odd pixel of padding after, as SAME_UPPER does
          { name: 'auto_pad', string: step.padding === 'same' ? 'SAME_UPPER' : 'VALID' },
          { name: 'group', int: step.depthwise ? channels : 1 },
        ]);
        node('Clip', [`${step.output}/linear`, clipMin, clipMax], step.output);
        break;
      }
      case 'pool':
        node(step.pool === 'avg' ? 'GlobalAveragePool' : 'GlobalMaxPool', [step.source], `${step.output}/nchw`);
        node('Flatten', [`${step.output}/nchw`], step.output, [{ name: 'axis', int: 1 }]);
        break;
      case 'concat':
        node('Concat', step.sources, step.output, [{ name: 'axis', int: 1 }]);
        break;
      case 'dense': {
        const kernel = initializer(`${step.output}/kernel`, step.shape, step.kernel);
        const bias = initializer(`${step.output}/bias`, [step.bias.length], step.bias);
        node('Gemm', [step.source, kernel, bias], step.relu ? `${step.output}/linear` : step.output);
        if (step.relu) node('Relu', [`${step.output}/linear`], step.output);
        break;
      }
    }
  }
  node('Identity', [graph.output], ONNX_LOGIT);
  const outputs = [valueInfo(ONNX_LOGIT, ['batch', 1])];
  if (watchLayer) {
    node('Identity', [watchLayer], ONNX_FEATURES);
    outputs.push(valueInfo(ONNX_FEATURES, ['batch', unitsOf(graph, watchLayer)]));
  }

  const graphProto = new ProtoWriter();
  for (const n of nodes) graphProto.message(1, n);
  graphProto.string(2, name);
  for (const t of initializers) graphProto.message(5, t);
  graphProto.message(11, valueInfo(ONNX_INPUT, ['batch', graph.inputSize, graph.inputSize, 3]));
  for (const output of outputs) graphProto.message(12, output);
  return new ProtoWriter()
    .varint(1, IR_VERSION)
    .string(2, 'dermacam')
    .message(7, graphProto)
    .message(8, new ProtoWriter().string(1, '').varint(2, ONNX_OPSET))
    .finish();
}

type ConvStep = Extract<FoldedStep, { op: 'conv' }>;

function onnxKernelShape({ shape: [height, width, channels, out], depthwise }: ConvStep): number[] {
  return depthwise ? [channels, 1, height, width] : [out, channels, height, width];
}

/** TensorFlow's [h, w, in, out] kernel as ONNX's [out, in, h, w] (depthwise: [channels, 1, h, w]). */
function toOnnxKernel(step: ConvStep): Float32Array {
  const [height, width, channels, out] = step.shape;
  const outputs = step.depthwise ? channels : out;
  const inputs = step.depthwise ? 1 : channels;
  const kernel = new Float32Array(step.kernel.length);
  for (let o = 0; o < outputs; o++) {
    for (let i = 0; i < inputs; i++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const source = step.depthwise ? (y * width + x) * channels + o : ((y * width + x) * channels + i) * out + o;
          kernel[((o * inputs + i) * height + y) * width + x] = step.kernel[source]!;
        }
      }
    }
  }
  return kernel;
}

function unitsOf(graph: FoldedGraph, layer: string): number {
  const widths = new Map<string, number>();
  for (const step of graph.steps) {
    if (step.op === 'conv') widths.set(step.output, step.bias.length);
    else if (step.op === 'pool') widths.set(step.output, widths.get(step.source)!);
    else if (step.op === 'concat') widths.set(step.output, step.sources.reduce((sum, source) => sum + widths.get(source)!, 0));
    else widths.set(step.output, step.shape[1]);
  }
  return widths.get(layer)!;
}

function nodeProto(op: string, inputs: string[], output: string, attributes: Attribute[]): ProtoWriter {
  const proto = new ProtoWriter();
  for (const input of inputs) proto.string(1, input);
  proto.string(2, output).string(3, output).string(4, op);
  for (const attribute of attributes) {
    const a = new ProtoWriter().string(1, attribute.name);
    if ('int' in attribute) a.varint(3, attribute.int).varint(20, ATTRIBUTE.INT);
    else if ('ints' in attribute) {
      for (const value of attribute.ints) a.varint(8, value);
      a.varint(20, ATTRIBUTE.INTS);
    } else a.string(4, attribute.string).varint(20, ATTRIBUTE.STRING);
    proto.message(5, a);
  }
  return proto;
}

function tensorProto(name: string, dims: number[], values: Float32Array): ProtoWriter {
  const proto = new ProtoWriter();
  for (const dim of dims) proto.varint(1, dim);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return proto.varint(2, FLOAT).string(8, name).bytes(9, bytes);
}

/** A float tensor's name and shape; a string dimension is symbolic (the batch). */
function valueInfo(name: string, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of dims) shape.message(1, typeof dim === 'number' ? new ProtoWriter().varint(1, dim) : new ProtoWriter().string(2, dim));
  const tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}
