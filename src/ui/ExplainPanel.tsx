import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import type { Explanation } from '../classifier/classifier.js';
import { explanationPng, strongestChange } from '../explain/heatOverlay.js';
import type { Capture } from '../store/records.js';
import { useKeys } from './keyRouter.js';
import { Spinner } from './Spinner.js';

export const EXPLAIN_LEGEND = 'Red raised p(malignant), blue lowered it: where the model looked, not a segmentation and not proof.';

type ExplainState = { status: 'working'; done: number } | { status: 'shown'; picture: string; strongest: number } | { status: 'failed'; message: string };

/**
 * A capture's occlusion map over its thumbnail (src/explain/occlusion.ts), computed by the
 * classifier's worker while the preview goes on, with how far it has got.
 */
export function ExplainPanel({
  capture,
  explain,
  draw,
  columns,
  rows,
  onClose,
}: {
  capture: Capture;
  explain: (capture: Capture, onProgress: (done: number) => void) => Promise<Explanation>;
  /** Draws a picture as terminal text in at most `columns` x `rows` cells. */
  draw: (picture: Buffer, columns: number, rows: number) => Promise<string>;
  columns: number;
  rows: number;
  onClose: () => void;
}) {
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
      .then((png) => draw(png, Math.min(columns, rows * 2), rows))
      .then((picture) => shown && setState({ status: 'shown', picture, strongest: strongestChange(map) }))
      .catch((error: unknown) => shown && setState({ status: 'failed', message: (error as Error).message }));
    return () => {
      shown = false;
    };
  }, [explanation, draw, columns, rows]);
  useKeys((input, key) => {
    if (input === 'q' || key.escape) onClose();
  });

  return (
    <Box flexDirection="column">
      <Text bold>Where the model looked, capture {capture.id}</Text>
      {state.status === 'working' && <Spinner label={`Covering each part of the picture in turn… ${Math.round(state.done * 100)}%`} />}
      {state.status === 'failed' && <Text color="red">No map: {state.message}</Text>}
      {state.status === 'shown' && (
        <>
          <Text>{state.picture}</Text>
          <Text wrap="wrap">{EXPLAIN_LEGEND}</Text>
          <Text dimColor>Strongest part: logit change {state.strongest.toFixed(2)}.</Text>
        </>
      )}
    </Box>
  );
}
