import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { answeredVisits, changeFlag } from '../lesions/followUp.js';
import type { Capture, Lesion, SessionLog } from '../store/sessionLog.js';
import { useKeys } from './keyRouter.js';

export type LesionChoice = Lesion | { new: true; bodySite: string | null };

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
  capture: Capture;
  onChoose: (choice: LesionChoice) => void;
  onOpen: (lesion: Lesion) => void;
  onClose: () => void;
}) {
  const lesions = useMemo(() => store.lesions(patientRef), [store, patientRef]);
  const [selected, setSelected] = useState(() => Math.max(0, lesions.findIndex((lesion) => lesion.id === capture.lesion_id) + 1));
  // the first row makes a new lesion; the others are the patient's, oldest first
  const rows = lesions.length + 1;
  useKeys((input, key) => {
    if (key.escape || input === 'q') return onClose();
    if (key.upArrow) setSelected((row) => Math.max(0, row - 1));
    if (key.downArrow) setSelected((row) => Math.min(rows - 1, row + 1));
    if (key.return) onChoose(selected === 0 ? { new: true, bodySite: capture.body_site } : lesions[selected - 1]!);
    if ((key.rightArrow || input === 'v') && selected > 0) onOpen(lesions[selected - 1]!);
  });

  return (
    <Box flexDirection="column">
      <Text bold>Lesions of patient {patientRef}</Text>
      <Text dimColor>Enter attaches capture {capture.id} and the next ones of this session; → opens a lesion.</Text>
      <Text inverse={selected === 0} color={selected === 0 ? 'cyan' : undefined}>
        + new lesion{capture.body_site ? ` at ${capture.body_site}` : ''}
      </Text>
      {lesions.map((lesion, i) => {
        const visits = store.capturesOfLesion(lesion.id);
        const latest = answeredVisits(visits).at(-1);
        const flagged = changeFlag(visits) !== undefined;
        return (
          <Text key={lesion.id} inverse={selected === i + 1} color={selected === i + 1 ? 'cyan' : undefined}>
            {lesion.label.padEnd(4)} {(lesion.body_site ?? 'no site').padEnd(16)} {String(visits.length).padStart(2)} visits
            {latest ? ` · ${Math.round(latest.p_malignant! * 100)}%` : ''}
            {flagged ? ' · changed' : ''}
            {lesion.id === capture.lesion_id ? ' · this capture' : ''}
          </Text>
        );
      })}
    </Box>
  );
}
