import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { changeFlag, noChangeReason, percent, probabilityChart, siteOfLesion } from '../lesions/followUp.js';
import { localTime } from '../localTime.js';
import type { Capture, Lesion, SessionLog } from '../store/sessionLog.js';
import { useScreenKeys } from './keyRouter.js';
import { useDrawnPictures } from './useDrawnPictures.js';
import { wrapWords, wrapWordsWithin } from './wrapWords.js';

const CHART_ROWS = 5;

/** The rows of the pictures and of the chart: what the text lines leave, the chart first, down to 2 rows each. */
function pictureAndChartRows(free: number): { pictureRows: number; chartRows: number } {
  const chartRows = Math.max(2, Math.min(CHART_ROWS, free - 2));
  return { pictureRows: Math.max(2, Math.min(12, free - chartRows)), chartRows };
}

/**
 * One lesion over time: its previous and latest pictures side by side, p(malignant) per visit
 * with the threshold, and what changed since the visit before, in words; all in `columns` x `rows`.
 */
export function LesionView({
  store,
  lesion,
  drawPicture,
  columns,
  rows,
  onClose,
}: {
  store: Pick<SessionLog, 'capturesOfLesion'>;
  lesion: Lesion;
  drawPicture: (capture: Capture, columns: number, rows: number) => Promise<string>;
  columns: number;
  rows: number;
  onClose: () => void;
}) {
  const visits = useMemo(() => store.capturesOfLesion(lesion.id), [store, lesion]);
  const shown = useMemo(() => visits.slice(-2), [visits]);
  const visitLines = wrapWordsWithin(`Visits: ${visits.map((capture) => `${localTime(capture.captured_at).slice(0, 10)} ${answer(capture)}`).join(' · ')}`, columns, 2);
  const flag = changeFlag(visits);
  const changeLines = wrapWords(flag ?? noChangeReason(visits), columns);
  const thumbColumns = Math.floor((columns - 2) / 2);
  // the title, the pictures' captions, the chart's legend, the change and the disclaimer: the rest is the pictures' and the chart's
  const { pictureRows: thumbRows, chartRows } = pictureAndChartRows(rows - (1 + 1 + visitLines.length + 1 + changeLines.length + 1));
  const pictures = useDrawnPictures(shown, drawPicture, thumbColumns, thumbRows);
  useScreenKeys('lesion', { close: onClose });

  return (
    <Box flexDirection="column" flexShrink={0} width={columns}>
      <Text bold wrap="truncate-end">
        {lesion.label} · {siteOfLesion(lesion, visits) ?? 'no body site'} · {visits.length} {visits.length === 1 ? 'visit' : 'visits'} · patient {lesion.patient_ref}
      </Text>
      <Box height={thumbRows + 1} flexShrink={0} overflow="hidden">
        {shown.map((capture, i) => (
          <Box key={capture.id} flexDirection="column" width={thumbColumns} flexShrink={0} marginRight={i === 0 ? 2 : 0}>
            <Box height={thumbRows} flexShrink={0} overflow="hidden">
              <Text>{pictures[i] ?? 'loading…'}</Text>
            </Box>
            <Text dimColor wrap="truncate-end">
              {caption(capture, i === shown.length - 1)}
            </Text>
          </Box>
        ))}
      </Box>
      {visitLines.map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
      <Text dimColor wrap="truncate-end">
        p(malignant) per visit, oldest left; ── is the threshold
      </Text>
      {probabilityChart(visits, chartRows).map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line}
        </Text>
      ))}
      {changeLines.map((line, i) => (
        <Text key={i} color={flag ? 'yellow' : undefined} dimColor={!flag}>
          {line}
        </Text>
      ))}
      <Text dimColor wrap="truncate-end">
        The model's answers over time, not a diagnosis.
      </Text>
    </Box>
  );
}

/** A visit's answer in a few characters: p(malignant), or why there is none. */
function answer(capture: Capture): string {
  return capture.p_malignant === null || capture.label === 'rejected' ? capture.label : percent(capture.p_malignant);
}

function caption(capture: Capture, latest: boolean): string {
  return `${latest ? 'latest' : 'before'} ${localTime(capture.captured_at).slice(0, 10)} · ${answer(capture)}`;
}
