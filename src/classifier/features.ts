import type * as TF from '@tensorflow/tfjs';

/** A pooled read-out of one MobileNet layer: the multi-depth features the head sees. */
export interface FeatureTap {
  layer: string;
  pool: 'avg' | 'max';
}

/** The taps the head reads (the same list as TAPS in scripts/training/network.py, in the same order). */
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

/** One image's pixels (size x size x 3, row by row) under a flip; `none` returns the same array. */
export function flipPixels(pixels: Float32Array, size: number, flip: Flip): Float32Array {
  if (flip === 'none') return pixels;
  const out = new Float32Array(pixels.length);
  const mirrorColumns = flip === 'h' || flip === 'hv';
  const mirrorRows = flip === 'v' || flip === 'hv';
  for (let y = 0; y < size; y++) {
    const from = mirrorRows ? size - 1 - y : y;
    for (let x = 0; x < size; x++) {
      const source = (from * size + (mirrorColumns ? size - 1 - x : x)) * 3;
      const target = (y * size + x) * 3;
      out[target] = pixels[source]!;
      out[target + 1] = pixels[source + 1]!;
      out[target + 2] = pixels[source + 2]!;
    }
  }
  return out;
}

/** Every input under every flip, flip by flip, as one batch (flips.length x inputs.length images). */
export function flippedBatch(inputs: readonly Float32Array[], size: number, flips: readonly Flip[]): Float32Array {
  const imageLength = size * size * 3;
  const batch = new Float32Array(flips.length * inputs.length * imageLength);
  flips.forEach((flip, f) => inputs.forEach((input, i) => batch.set(flipPixels(input, size, flip), (f * inputs.length + i) * imageLength)));
  return batch;
}
