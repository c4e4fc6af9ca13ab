import type * as TF from '@tensorflow/tfjs';

/** The forward pass of a loaded model: its logits, and the watched layer's values when asked for. */
export interface Forward {
  run(batch: TF.Tensor4D): { logits: TF.Tensor; watched?: TF.Tensor };
  /** Frees the folded weights. */
  dispose(): void;
}

type Layer = TF.layers.Layer;
type Step = (values: Map<string, TF.Tensor>) => void;

/**
 * The MobileNet's forward pass with each convolution, its BatchNormalization and its ReLU6 folded
 * into one fused kernel (the batch-norm scale goes into the weights, its shift becomes a bias):
 * the same arithmetic in a third of the passes over memory. Returns undefined for a topology it
 * does not know, which then runs layer by layer.
 */
export function fusedForward(tf: typeof TF, model: TF.LayersModel, watchLayer?: string): Forward | undefined {
  const layers = model.layers;
  const steps: Step[] = [];
  const folded: TF.Tensor[] = [];
  const inputName = layers[0]!.name;
  for (let i = 1; i < layers.length; i++) {
    const layer = layers[i]!;
    const kind = layer.getClassName();
    const [source] = inboundNames(layer);
    if (kind === 'Conv2D' || kind === 'DepthwiseConv2D') {
      const [norm, activation] = [layers[i + 1], layers[i + 2]];
      if (norm?.getClassName() !== 'BatchNormalization' || norm.getWeights().length !== 4 || !isRelu6(activation)) return release(folded);
      steps.push(convolution(tf, layer, norm, source!, activation!.name, folded));
      i += 2;
    } else if (kind === 'GlobalAveragePooling2D' || kind === 'GlobalMaxPooling2D') {
      const pool = kind === 'GlobalAveragePooling2D' ? tf.mean : tf.max;
      steps.push((values) => values.set(layer.name, pool(values.get(source!)!, [1, 2])));
    } else if (kind === 'Concatenate') {
      const sources = inboundNames(layer);
      steps.push((values) => values.set(layer.name, tf.concat(sources.map((name) => values.get(name)!), -1)));
    } else if (kind === 'Dense') {
      const [kernel, bias] = layer.getWeights() as [TF.Tensor2D, TF.Tensor1D];
      const activation = (layer.getConfig().activation as string) === 'relu' ? 'relu' : 'linear';
      steps.push((values) => values.set(layer.name, tf.fused.matMul({ a: values.get(source!)! as TF.Tensor2D, b: kernel, bias, activation })));
    } else if (kind === 'Dropout') {
      steps.push((values) => values.set(layer.name, values.get(source!)!));
    } else return release(folded);
  }
  const output = layers.at(-1)!.name;
  return {
    run(batch) {
      const values = new Map<string, TF.Tensor>([[inputName, batch]]);
      for (const step of steps) step(values);
      return { logits: values.get(output)!, watched: watchLayer ? values.get(watchLayer) : undefined };
    },
    dispose: () => release(folded),
  };
}

function release(tensors: TF.Tensor[]): undefined {
  for (const tensor of tensors.splice(0)) tensor.dispose();
  return undefined;
}

function inboundNames(layer: Layer): string[] {
  return layer.inboundNodes[0]?.inboundLayers.map((inbound) => inbound.name) ?? [];
}

function isRelu6(layer: Layer | undefined): boolean {
  return layer?.getClassName() === 'Activation' && layer.getConfig().activation === 'relu6';
}

function convolution(tf: typeof TF, conv: Layer, norm: Layer, source: string, output: string, folded: TF.Tensor[]): Step {
  const [kernel] = conv.getWeights() as [TF.Tensor4D];
  const [gamma, beta, mean, variance] = norm.getWeights() as TF.Tensor1D[];
  const epsilon = norm.getConfig().epsilon as number;
  const config = conv.getConfig() as { strides: [number, number]; padding: 'same' | 'valid' };
  const depthwise = conv.getClassName() === 'DepthwiseConv2D';
  const [filter, bias] = tf.tidy(() => {
    const scale = gamma!.div(variance!.add(epsilon).sqrt());
    // a depthwise kernel is [h, w, channels, 1]: the scale runs along its channels, not its last axis
    const folded = depthwise ? kernel!.mul(scale.reshape([1, 1, -1, 1])) : kernel!.mul(scale);
    return [tf.keep(folded as TF.Tensor4D), tf.keep(beta!.sub(mean!.mul(scale)) as TF.Tensor1D)];
  });
  folded.push(filter, bias);
  return (values) => {
    const x = values.get(source)! as TF.Tensor4D;
    const options = { x, filter, strides: config.strides, pad: config.padding, bias, activation: 'relu6' as const };
    values.set(output, depthwise ? tf.fused.depthwiseConv2d(options) : tf.fused.conv2d(options));
  };
}
