import type { Network } from './network.js';

/** The inputs of the parity probe that every backend runs at load; the card stores their reference logits. */
export const PROBE_NAME = 'dermacam-probe-1';

/** How the card records the probe: the logits the layer-by-layer tfjs network gave on the cpu backend. */
export interface ParitySpec {
  probe: typeof PROBE_NAME;
  logits: number[];
  tolerance: number;
  reference: string;
}

/**
 * Two synthetic pictures (size x size x 3, in the model's [-1, 1] range): a dark blob on a
 * skin-like ground and a striped texture. They exercise every channel and every layer; being
 * computed, not stored, they add nothing to the model folder.
 */
export function probeInputs(size: number): Float32Array[] {
  return [0, 1].map((k) => {
    const pixels = new Float32Array(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const [u, v] = [x / size - 0.5, y / size - 0.5];
        const blob = Math.exp(-(u * u + v * v) / (0.02 + 0.03 * k));
        for (let c = 0; c < 3; c++) {
          const texture = 0.25 * Math.sin((x * (k + 1) + y * (c + 1)) * 0.21) * Math.cos(y * 0.13 * (k + 2));
          pixels[(y * size + x) * 3 + c] = Math.max(-1, Math.min(1, 0.5 - 0.2 * c - 1.1 * blob + texture));
        }
      }
    }
    return pixels;
  });
}

/** The probe's logits on a network. */
export async function probeLogits(network: Network): Promise<number[]> {
  const { logits } = await network.run(probeInputs(network.inputSize), ['none']);
  return logits[0]!;
}

/** The largest gap between a network's probe logits and the card's reference. */
export function parityGap(logits: number[], parity: ParitySpec): number {
  return Math.max(...logits.map((logit, i) => Math.abs(logit - parity.logits[i]!)));
}
