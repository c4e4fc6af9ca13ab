import { Box, Text } from 'ink';
import type { Verdict } from '../capture/verdict.js';
import { Paragraph } from './Paragraph.js';
import { Spinner } from './Spinner.js';

export type ResultState =
  | { status: 'loading' }
  | { status: 'idle' }
  | { status: 'classifying' }
  | { status: 'done'; verdict: Verdict }
  | { status: 'error'; message: string };

/** A bar of `width` cells filled to `fraction`, with the threshold marked. */
export function probabilityBar(fraction: number, threshold: number, width: number): string {
  const filled = Math.round(fraction * width);
  const mark = Math.min(width - 1, Math.round(threshold * width));
  return Array.from({ length: width }, (_, i) => (i === mark ? '│' : i < filled ? '█' : '░')).join('');
}

/** The answer as an action first (refer, no referral, retake), then the numbers in one unit. */
export function ResultPanel({ state, width = 40 }: { state: ResultState; width?: number }) {
  if (state.status === 'loading') return <Spinner label="Loading the model… (the first start takes several seconds)" />;
  if (state.status === 'idle') return <Text dimColor>Press space to capture and classify.</Text>;
  if (state.status === 'classifying') return <Spinner label="classifying…" />;
  if (state.status === 'error') return <Paragraph text={state.message} width={width} color="red" />;
  const v = state.verdict;
  const band = v.percent?.band ? ` · uncertain ${v.percent.band.low.toFixed(1)}-${v.percent.band.high.toFixed(1)}%` : '';
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold color={v.colour} wrap="truncate-end">
        {v.headline}
      </Text>
      <Paragraph text={v.advice} width={width} />
      {v.percent && (
        <>
          <Paragraph text={`p(malignant) ${v.percent.p.toFixed(1)}% · threshold ${v.percent.threshold.toFixed(1)}%${band}`} width={width} />
          <Text color={v.colour}>{probabilityBar(v.percent.p / 100, v.percent.threshold / 100, Math.max(10, width - 2))}</Text>
        </>
      )}
      {v.reasons.length > 0 && <Paragraph text={`why: ${v.reasons.join('; ')}`} width={width} color="yellow" />}
      <Paragraph text={[`capture ${v.captureId}`, v.bodySite, v.note, `${v.model} · ${v.latencyMs ?? '?'} ms`].filter(Boolean).join(' · ')} width={width} dimColor />
    </Box>
  );
}
