import { Box, Text } from 'ink';
import { useMemo, useRef, useState } from 'react';
import type { LesionChoice } from '../capture/captureFlow.js';
import { percent, siteOfLesion, summariseVisits } from '../lesions/followUp.js';
import type { Capture, Lesion, SessionLog } from '../store/sessionLog.js';
import { useScreenKeys } from './keyRouter.js';

/**
 * A patient's lesions, to attach a capture to one (or to a new one at the capture's body site)
 * and follow it, or to open one and see how it changed.
 */
export function LesionsPanel({
  store,
  patientRef,
  capture,
  onChoose,
  onOpen,
  onClose,
}: {
  store: Pick<SessionLog, 'lesions' | 'capturesOfLesion'>;
  patientRef: string;
  /** The capture to attach; without one, choosing a lesion only follows it for the next captures. */
  capture?: Capture;
  onChoose: (choice: LesionChoice) => void;
  onOpen: (lesion: Lesion) => void;
  onClose: () => void;
}) {
  const lesions = useMemo(() => store.lesions(patientRef), [store, patientRef]);
  // read once when the screen opens, not on every key press
  const summaries = useMemo(
    () =>
      lesions.map((lesion) => {
        const visits = store.capturesOfLesion(lesion.id);
        return { ...summariseVisits(visits), site: siteOfLesion(lesion, visits) };
      }),
    [store, lesions],
  );
  const [selected, setSelected] = useState(() => Math.max(0, lesions.findIndex((lesion) => lesion.id === capture?.lesion_id) + 1));
  // keys can arrive faster than renders (↓ then Enter over SSH): they act on the latest row, not the rendered one
  const latestRow = useRef(selected);
  const select = (row: number) => {
    latestRow.current = row;
    setSelected(row);
  };
  // the first row makes a new lesion; the others are the patient's, oldest first
  const rows = lesions.length + 1;
  useScreenKeys('lesions', {
    up: () => select(Math.max(0, latestRow.current - 1)),
    down: () => select(Math.min(rows - 1, latestRow.current + 1)),
    choose: () => onChoose(latestRow.current === 0 ? { new: true, bodySite: capture?.body_site ?? null } : lesions[latestRow.current - 1]!),
    open: () => {
      if (latestRow.current > 0) onOpen(lesions[latestRow.current - 1]!);
    },
    close: onClose,
  });

  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold wrap="truncate-end">
        Lesions of patient {patientRef}
      </Text>
      <Text dimColor>
        Enter {capture ? `attaches capture ${capture.id} and the next ones of this session` : 'follows a lesion: the next captures join it'}; → opens one.
      </Text>
      <Text inverse={selected === 0} color={selected === 0 ? 'cyan' : undefined}>
        + new lesion{capture?.body_site ? ` at ${capture.body_site}` : ''}
      </Text>
      {lesions.map((lesion, i) => {
        const { count, latest, flag, site } = summaries[i]!;
        return (
          <Text key={lesion.id} inverse={selected === i + 1} color={selected === i + 1 ? 'cyan' : undefined} wrap="truncate-end">
            {[
              `${lesion.label} ${site ?? 'no site'}`,
              `${count} ${count === 1 ? 'visit' : 'visits'}`,
              ...(latest ? [percent(latest.p_malignant!)] : []),
              ...(flag ? ['changed'] : []),
              ...(capture && lesion.id === capture.lesion_id ? ['this capture'] : []),
            ].join(' · ')}
          </Text>
        );
      })}
    </Box>
  );
}
