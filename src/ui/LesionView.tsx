import { Box, Text } from 'ink';
import path from 'node:path';
import { useEffect, useMemo, useState } from 'react';
import { changeFlag, noChangeReason, percent, probabilityChart } from '../lesions/followUp.js';
import { localTime } from '../localTime.js';
import { readRegularFile } from '../regularFile.js';
import type { Capture, Lesion, SessionLog } from '../store/sessionLog.js';
import { useKeys } from './keyRouter.js';

const CHART_ROWS = 5;

/**
 * One lesion over time: its previous and latest pictures side by side, p(malignant) per visit
 * with the threshold, and what changed since the visit before, in words.
 */
export function LesionView({
  store,
  lesion,
  draw,
  columns,
  rows,
  onClose,
}: {
  store: Pick<SessionLog, 'capturesOfLesion' | 'dataDir'>;
  lesion: Lesion;
  draw: (picture: Buffer, columns: number, rows: number) => Promise<string>;
  columns: number;
  rows: number;
  onClose: () => void;
}) {
  const visits = useMemo(() => store.capturesOfLesion(lesion.id), [store, lesion]);
  const shown = useMemo(() => visits.slice(-2), [visits]);
  const thumbColumns = Math.floor((columns - 2) / 2);
  const thumbRows = Math.max(3, Math.min(12, rows - CHART_ROWS - 6));
  const [pictures, setPictures] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    const picture = (capture: Capture) =>
      readRegularFile(path.join(store.dataDir, capture.image_path), { followLinks: false })
        .then((image) => draw(image, thumbColumns, thumbRows))
        .catch(() => '(image missing)');
    void Promise.all(shown.map(picture)).then((drawn) => live && setPictures(drawn));
    return () => {
      live = false;
    };
  }, [shown, draw, thumbColumns, thumbRows, store.dataDir]);
  useKeys((input, key) => {
    if (key.escape || input === 'q' || key.leftArrow) onClose();
  });

  const flag = changeFlag(visits);
  return (
    <Box flexDirection="column">
      <Text bold>
        {lesion.label} · {lesion.body_site ?? 'no body site'} · patient {lesion.patient_ref} · {visits.length} {visits.length === 1 ? 'visit' : 'visits'}
      </Text>
      <Box>
        {shown.map((capture, i) => (
          <Box key={capture.id} flexDirection="column" width={thumbColumns} marginRight={i === 0 ? 2 : 0}>
            <Text>{pictures[i] ?? 'loading…'}</Text>
            <Text dimColor>{caption(capture, i === shown.length - 1)}</Text>
          </Box>
        ))}
      </Box>
      <Text wrap="wrap">Visits: {visits.map((capture) => `${localTime(capture.captured_at).slice(0, 10)} ${answer(capture)}`).join(' · ')}</Text>
      <Text dimColor>p(malignant) per answered visit, oldest left; the line is the threshold</Text>
      {probabilityChart(visits, CHART_ROWS).map((line, i) => (
        <Text key={i}>{line}</Text>
      ))}
      {flag ? <Text color="yellow">{flag}</Text> : <Text dimColor>{noChangeReason(visits)}</Text>}
      <Text dimColor>The model's answers over time, not a diagnosis.</Text>
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
