import { Box, Text } from 'ink';
import type { Explanation } from '../classifier/classifier.js';
import type { Capture } from '../store/records.js';
import { useScreenKeys } from './keyRouter.js';
import { Paragraph } from './Paragraph.js';
import { wrapWords } from './wrapWords.js';
import { formatPercent } from '../text.js';
import { Spinner } from './Spinner.js';
import { useExplanationState } from './useExplanationState.js';

export const EXPLAIN_LEGEND = 'Red raised p(malignant), blue lowered it: where the model looked, not a segmentation and not proof.';

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
  // the title, the legend and the strongest part's line keep their rows; the map has the rest
  const pictureRows = Math.max(3, rows - 2 - wrapWords(EXPLAIN_LEGEND, columns).length);
  const state = useExplanationState(capture, explain, draw, Math.min(columns, pictureRows * 2), pictureRows);
  useScreenKeys('explain', { close: onClose });

  return (
    <Box flexDirection="column" flexShrink={0} width={columns}>
      <Text bold wrap="truncate-end">
        Where the model looked, capture {capture.id}
      </Text>
      {state.status === 'working' && <Spinner label={`Covering each part of the picture in turn… ${formatPercent(state.done, 0)}`} />}
      {state.status === 'failed' && <Text color="red">No map: {state.message}</Text>}
      {state.status === 'shown' && (
        <>
          <Text>{state.picture}</Text>
          <Paragraph text={EXPLAIN_LEGEND} width={columns} />
          <Text dimColor>Strongest part: logit change {state.strongest.toFixed(2)}.</Text>
        </>
      )}
    </Box>
  );
}
