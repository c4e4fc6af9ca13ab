import { Box, Text } from 'ink';
import { useEffect } from 'react';
import { shortVerdict } from '../capture/verdict.js';
import { localTime } from '../localTime.js';
import { GENERATED_REF_PREFIX } from '../store/records.js';
import type { Capture } from '../store/sessionLog.js';
import { useScreenKeys } from './keyRouter.js';
import { useDrawnPictures } from './useDrawnPictures.js';
import { useHistoryState, type HistoryPosition, type HistorySource } from './useHistoryState.js';

/** The machine's UTC offset at `now`, as the history's header names it: `UTC+01:00`. */
function zoneName(now: Date): string {
  return `UTC${localTime(now.toISOString()).slice(19)}`;
}

/** A time in this machine's zone: `2026-11-27 11:15` (the header names the zone). */
export function localClock(iso: string, withSeconds = false): string {
  return localTime(iso).slice(withSeconds ? 11 : 0, withSeconds ? 19 : 16).replace('T', ' ');
}

/** A session's start in the list: without the year when it is this year's, so that a row fits its column. */
function sessionClock(iso: string, now: Date): string {
  const clock = localClock(iso);
  return clock.slice(0, 4) === localClock(now.toISOString()).slice(0, 4) ? clock.slice(5) : clock;
}

/** The two lists' widths at this terminal width: wider terminals show more of the references and sites. */
export function historyColumns(columns: number): { sessions: number; captures: number; thumbnail: number } {
  const sessions = Math.max(28, Math.min(44, Math.floor(columns * 0.34)));
  const captures = Math.max(30, Math.min(48, Math.floor(columns * 0.3)));
  return { sessions, captures, thumbnail: columns - sessions - 2 - captures - 2 };
}

const WHY_NOT: Record<'annotate' | 'explain' | 'lesions', string> = { annotate: 'annotate', explain: 'explain', lesions: 'follow' };

export interface HistoryProps {
  source: HistorySource;
  columns: number;
  rows: number;
  /** Where the selection was when the history was last left. */
  at?: HistoryPosition;
  /** Draws a capture's picture as terminal text in at most columns x rows cells. */
  drawPicture: (capture: Capture, columns: number, rows: number) => Promise<string>;
  /** Told each time the selection moves, with the capture now selected. */
  onMove: (at: HistoryPosition, selected: Capture | undefined) => void;
  onAct: (action: 'annotate' | 'explain' | 'lesions', capture: Capture) => void;
  onSay: (message: string) => void;
  onClose: () => void;
}

/**
 * Browses every session (newest first) and its captures, with a thumbnail of the selected
 * capture. ↑↓ move, → or Enter opens a session, ← goes back, b, x and l act on the selected
 * capture, Esc, q or h closes.
 */
export function History({ source, columns, rows, at: start, drawPicture, onMove, onAct, onSay, onClose }: HistoryProps) {
  const { sessions, captures, at, move, capture, latestCapture } = useHistoryState(source, start);
  const widths = historyColumns(columns);
  const visible = Math.max(1, rows - 1);
  const thumbnail = { columns: Math.min(48, widths.thumbnail), rows: Math.min(24, rows - 2) };
  const pictured = capture && thumbnail.columns >= 16 && capture.withdrawn_at === null ? [capture] : [];
  const [picture] = useDrawnPictures(pictured, drawPicture, thumbnail.columns, thumbnail.rows);
  useEffect(() => onMove(at, capture), [at, capture]); // eslint-disable-line react-hooks/exhaustive-deps -- told of moves, not of new callbacks

  const act = (action: 'annotate' | 'explain' | 'lesions') => () => {
    const capture = latestCapture();
    if (!capture) return onSay('Open a session (→) and choose a capture first.');
    if (capture.withdrawn_at !== null) return onSay(`Capture ${capture.id} was withdrawn and its image deleted: there is nothing to ${WHY_NOT[action]}.`);
    onAct(action, capture);
  };
  useScreenKeys('history', {
    up: () => move('up'),
    down: () => move('down'),
    open: () => move('open'),
    back: () => move('back'),
    annotate: act('annotate'),
    explain: act('explain'),
    lesions: act('lesions'),
    close: onClose,
  });

  if (sessions.length === 0) return <Text dimColor>No sessions yet. Esc to go back.</Text>;
  const sessionWindow = windowAround(sessions, at.session, visible);
  const captureWindow = windowAround(captures, at.capture ?? 0, visible);
  const now = source.now();
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Text bold wrap="truncate-end">
        History · times in {zoneName(now)}
        {thumbnail.columns < 16 && <Text dimColor> · wider shows pictures</Text>}
      </Text>
      <Box>
        <Box flexDirection="column" width={widths.sessions} flexShrink={0} marginRight={2}>
          {sessionWindow.items.map((s, i) => {
            const selected = i + sessionWindow.offset === at.session;
            const rest = `${sessionClock(s.started_at, now)} ${shortened(s.operator, 8)} (${s.captures}) `;
            return (
              <Text key={s.id} inverse={selected && at.capture === undefined} color={selected ? 'cyan' : undefined} wrap="truncate-end">
                {rest}
                {shortPatientRef(s.patient_ref, widths.sessions - rest.length)}
              </Text>
            );
          })}
        </Box>
        <Box flexDirection="column" width={widths.captures} flexShrink={0} marginRight={2}>
          {captures.length === 0 && <Text dimColor>no captures</Text>}
          {captureWindow.items.map((c, i) => (
            <Text key={c.id} inverse={i + captureWindow.offset === at.capture} dimColor={c.withdrawn_at !== null} wrap="truncate-end">
              {localClock(c.captured_at, true)} {c.withdrawn_at === null ? `${shortVerdict(c)} ${c.body_site ?? ''}` : `withdrawn (${c.withdrawn_reason})`}
            </Text>
          ))}
        </Box>
        {capture && thumbnail.columns >= 16 && (
          <Box flexDirection="column" flexShrink={0} width={thumbnail.columns}>
            {capture.withdrawn_at !== null ? (
              <Text dimColor>withdrawn {localClock(capture.withdrawn_at)} ({capture.withdrawn_reason}); its image was deleted</Text>
            ) : (
              <Text>{picture ?? 'loading…'}</Text>
            )}
            <Text dimColor>{capture.note ?? ''}</Text>
          </Box>
        )}
      </Box>
    </Box>
  );
}

/** A window of at most `visible` items around the selection. */
function windowAround<T>(items: T[], selected: number, visible: number): { items: T[]; offset: number } {
  const offset = Math.max(0, Math.min(selected - Math.floor(visible / 2), items.length - visible));
  return { items: items.slice(offset, offset + visible), offset };
}

/** A patient reference in at most `width` characters; of a generated one (DERMACAM-…) its end, which tells sessions apart. */
function shortPatientRef(ref: string | null, width: number): string {
  if (!ref) return '';
  if (ref.startsWith(GENERATED_REF_PREFIX) && ref.length > width) {
    const code = ref.slice(GENERATED_REF_PREFIX.length);
    return `…${code.length < width ? code : code.slice(-Math.max(5, width - 1))}`;
  }
  return shortened(ref, Math.max(6, width));
}

/** `text` in at most `width` characters, "…" marking a cut. */
function shortened(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
