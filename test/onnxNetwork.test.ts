import type * as Ort from 'onnxruntime-node';
import { describe, expect, it, vi } from 'vitest';
import { buildOnnxNetwork, ONNX_FEATURES, ONNX_INPUT, ONNX_LOGIT } from '../src/classifier/onnxNetwork.js';

/** onnxruntime-node as far as buildOnnxNetwork looks at it: a session of this input side and these outputs. */
function runtimeWithSession(side: number, outputNames: string[]) {
  const release = vi.fn(async () => undefined);
  const inputMetadata = [{ name: ONNX_INPUT, isTensor: true, type: 'float32', shape: [1, side, side, 3] }];
  const ort = { InferenceSession: { create: async () => ({ inputMetadata, outputNames, release }) } } as unknown as typeof Ort;
  return { ort, release };
}

describe('an ONNX graph that is refused', () => {
  const cases: [string, number, string[], RegExp][] = [
    ['without the logit output', 160, ['other'], /does not take pictures as "pixels" \[batch, size, size, 3\] and give "output\/logit"/],
    ['for pictures of another size', 224, [ONNX_LOGIT, ONNX_FEATURES], /takes 224-pixel pictures where its card says 160\.$/],
    ['without the features output the "not a lesion" check reads', 160, [ONNX_LOGIT], /lacks the "output\/features" output/],
  ];

  it.each(cases)('releases its session: a graph %s', async (_, side, outputs, refusal) => {
    const { ort, release } = runtimeWithSession(side, outputs);
    await expect(buildOnnxNetwork(ort, new Uint8Array(), 160, 'the model folder', { watch: true })).rejects.toThrow(refusal);
    expect(release).toHaveBeenCalledOnce();
  });
});
