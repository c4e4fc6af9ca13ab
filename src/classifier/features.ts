import type * as TF from '@tensorflow/tfjs';

/** A pooled read-out of one MobileNet layer: the multi-depth features the head sees. */
export interface FeatureTap {
  layer: string;
  pool: 'avg' | 'max';
}

/** The taps the head reads (the same list as TAPS in scripts/finetune.py, in the same order). */
export const HEAD_TAPS: readonly FeatureTap[] = [
  { layer: 'conv_pw_9_relu', pool: 'avg' },
  { layer: 'conv_pw_10_relu', pool: 'avg' },
  { layer: 'conv_pw_11_relu', pool: 'avg' },
  { layer: 'conv_pw_11_relu', pool: 'max' },
  { layer: 'conv_pw_12_relu', pool: 'avg' },
  { layer: 'conv_pw_13_relu', pool: 'avg' },
  { layer: 'conv_pw_13_relu', pool: 'max' },
];

/** The tensor (before pooling) of a tap's layer, for building a pooled-feature graph. */
export function pooledTapOutputs(tf: typeof TF, base: TF.LayersModel, taps: readonly FeatureTap[]): TF.SymbolicTensor[] {
  return taps.map((tap) => {
    const source = base.getLayer(tap.layer).output as TF.SymbolicTensor;
    const pool =
      tap.pool === 'avg'
        ? tf.layers.globalAveragePooling2d({ name: `${tap.layer}_${tap.pool}_pool` })
        : tf.layers.globalMaxPooling2d({ name: `${tap.layer}_${tap.pool}_pool` });
    return pool.apply(source) as TF.SymbolicTensor;
  });
}

/** Test-time and training augmentation: the paper's flips. */
export type Flip = 'none' | 'h' | 'v' | 'hv';
export const FLIPS: readonly Flip[] = ['none', 'h', 'v', 'hv'];

/** The flips used for 1, 2 and 4 test-time flips (the same sets as scripts/finetune.py measures). */
export const FLIP_SETS: Record<'1' | '2' | '4', readonly Flip[]> = { '1': ['none'], '2': ['none', 'hv'], '4': FLIPS };

/** Flips a batch [n, height, width, 3]. */
export function flipBatch(tf: typeof TF, batch: TF.Tensor4D, flip: Flip): TF.Tensor4D {
  if (flip === 'none') return batch;
  const axes = flip === 'h' ? [2] : flip === 'v' ? [1] : [1, 2];
  return tf.reverse(batch, axes);
}
