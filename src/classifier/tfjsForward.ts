import type * as TF from '@tensorflow/tfjs';
import type { FoldedGraph } from './foldedGraph.js';

/** The forward pass of a folded graph on a tfjs backend: its logits, and the watched layer's values when asked for. */
export interface Forward {
  run(batch: TF.Tensor4D): { logits: TF.Tensor; watched?: TF.Tensor };
  /** Frees the weights. */
  dispose(): void;
}

type Step = (values: Map<string, TF.Tensor>) => void;

export function tfjsForward(tf: typeof TF, graph: FoldedGraph, watchLayer?: string): Forward {
  const weights: TF.Tensor[] = [];
  const keep = <T extends TF.Tensor>(tensor: T): T => {
    weights.push(tensor);
    return tensor;
  };
  const steps: Step[] = graph.steps.map((step): Step => {
    switch (step.op) {
      case 'conv': {
        const filter = keep(tf.tensor4d(step.kernel, step.shape));
        const bias = keep(tf.tensor1d(step.bias));
        return (values) => {
          const options = { x: values.get(step.source)! as TF.Tensor4D, filter, strides: step.strides, pad: step.padding, bias, activation: 'relu6' as const };
          values.set(step.output, step.depthwise ? tf.fused.depthwiseConv2d(options) : tf.fused.conv2d(options));
        };
      }
      case 'pool': {
        const pool = step.pool === 'avg' ? tf.mean : tf.max;
        return (values) => values.set(step.output, pool(values.get(step.source)!, [1, 2]));
      }
      case 'concat':
        return (values) => values.set(step.output, tf.concat(step.sources.map((name) => values.get(name)!), -1));
      case 'dense': {
        const kernel = keep(tf.tensor2d(step.kernel, step.shape));
        const bias = keep(tf.tensor1d(step.bias));
        const activation = step.relu ? ('relu' as const) : ('linear' as const);
        return (values) => values.set(step.output, tf.fused.matMul({ a: values.get(step.source)! as TF.Tensor2D, b: kernel, bias, activation }));
      }
    }
  });
  return {
    run(batch) {
      const values = new Map<string, TF.Tensor>([[graph.input, batch]]);
      for (const step of steps) step(values);
      return { logits: values.get(graph.output)!, watched: watchLayer ? values.get(watchLayer) : undefined };
    },
    dispose: () => {
      for (const tensor of weights.splice(0)) tensor.dispose();
    },
  };
}
