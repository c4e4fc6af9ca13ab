import { Box, Text } from 'ink';
import type { Capture } from '../store/sessionLog.js';
import { Spinner } from './Spinner.js';

export type ResultState =
  | { status: 'idle' }
  | { status: 'classifying' }
  | { status: 'done'; capture: Capture }
  | { status: 'error'; message: string };

const LABEL_STYLE: Record<string, { color: string; text: string }> = {
  benign: { color: 'green', text: 'BENIGN' },
  malignant: { color: 'red', text: 'MALIGNANT' },
  uncertain: { color: 'yellow', text: 'UNCERTAIN: retake or refer' },
  rejected: { color: 'magenta', text: 'REJECTED: not judged' },
};

/** A bar of `width` cells filled to `fraction`, with the threshold marked. */
export function probabilityBar(fraction: number, threshold: number, width: number): string {
  const filled = Math.round(fraction * width);
  const mark = Math.min(width - 1, Math.round(threshold * width));
  return Array.from({ length: width }, (_, i) => (i === mark ? '│' : i < filled ? '█' : '░')).join('');
}

export function ResultPanel({ state, width = 40 }: { state: ResultState; width?: number }) {
  if (state.status === 'idle') return <Text dimColor>Press space to capture and classify.</Text>;
  if (state.status === 'classifying') return <Spinner label="classifying…" />;
  if (state.status === 'error') return <Text color="red">{state.message}</Text>;
  const c = state.capture;
  const style = LABEL_STYLE[c.label] ?? { color: 'white', text: c.label };
  const reasons = JSON.parse(c.quality_reasons) as string[];
  return (
    <Box flexDirection="column">
      <Text bold color={style.color}>
        {style.text}
      </Text>
      {c.p_malignant !== null && c.label !== 'rejected' && (
        <>
          <Text>
            p(malignant) {(c.p_malignant * 100).toFixed(1)}%{c.threshold !== null ? `   threshold ${(c.threshold * 100).toFixed(1)}%` : ''}
          </Text>
          <Text color={style.color}>{probabilityBar(c.p_malignant, c.threshold ?? 0.5, Math.max(10, width - 2))}</Text>
        </>
      )}
      {reasons.length > 0 && <Text color="yellow">why: {reasons.join('; ')}</Text>}
      {c.label === 'rejected' && <Text>Retake the picture: r withdraws this one, then space.</Text>}
      {c.label === 'uncertain' && <Text>Too close to the threshold to call: retake, or refer to a clinician.</Text>}
      <Text dimColor>
        {c.model_name}@{c.model_sha256.slice(0, 12)} · {c.backend} · {c.latency_ms?.toFixed(0)} ms
      </Text>
      <Text dimColor>capture {c.id}{c.body_site ? ` · ${c.body_site}` : ''}{c.note ? ` · ${c.note}` : ''}</Text>
    </Box>
  );
}
