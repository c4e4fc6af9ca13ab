import { useEffect, useState } from 'react';
import type { Explanation } from '../classifier/classifier.js';
import { explanationPng, strongestChange } from '../explain/heatOverlay.js';
import type { Capture } from '../store/records.js';

export type ExplainState = { status: 'working'; done: number } | { status: 'shown'; picture: string; strongest: number } | { status: 'failed'; message: string };

/**
 * How far the explanation of a capture has got: computed once per capture by the classifier's
 * worker while the preview goes on, and drawn again (only) when the room for it changes.
 */
export function useExplanationState(
  capture: Capture,
  explain: (capture: Capture, onProgress: (done: number) => void) => Promise<Explanation>,
  draw: (picture: Buffer, columns: number, rows: number) => Promise<string>,
  columns: number,
  rows: number,
): ExplainState {
  const [state, setState] = useState<ExplainState>({ status: 'working', done: 0 });
  const [explanation, setExplanation] = useState<Explanation>();
  // the map is computed once per capture; a resized terminal only draws it again
  useEffect(() => {
    let shown = true;
    explain(capture, (done) => shown && setState({ status: 'working', done }))
      .then((computed) => shown && setExplanation(computed))
      .catch((error: unknown) => shown && setState({ status: 'failed', message: (error as Error).message }));
    return () => {
      shown = false;
    };
  }, [capture, explain]);
  useEffect(() => {
    if (!explanation) return;
    let shown = true;
    const { pixels, size, map } = explanation;
    explanationPng(pixels, size, map)
      .then((png) => draw(png, columns, rows))
      .then((picture) => shown && setState({ status: 'shown', picture, strongest: strongestChange(map) }))
      .catch((error: unknown) => shown && setState({ status: 'failed', message: (error as Error).message }));
    return () => {
      shown = false;
    };
  }, [explanation, draw, columns, rows]);
  return state;
}
