import path from 'node:path';
import { Box, Text } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { localTime } from '../localTime.js';
import { useKeys } from './keyRouter.js';
import { GENERATED_REF_PREFIX } from '../store/records.js';
import type { Capture, Session } from '../store/sessionLog.js';

/** The machine's UTC offset at `now`, as the history's header names it: `UTC+01:00`. */
function zoneName(now: Date): string {
  return `UTC${localTime(now.toISOString()).slice(19)}`;
}

export interface HistorySource {
  sessions(): Session[];
  captures(sessionId: string): Capture[];
  dataDir: string;
  /** The log's clock: what "this year" is. */
  now(): Date;
}

const VISIBLE = 12;
/** A session row at its longest: `11-28 10:15 operator P-123… (12)`. */
const SESSIONS_WIDTH = 32;
const CAPTURES_WIDTH = 30;
/** Columns taken by the two lists and their margins, left of the thumbnail. */
export const HISTORY_LISTS_WIDTH = SESSIONS_WIDTH + 2 + CAPTURES_WIDTH + 2;

/** A window of at most VISIBLE items around the selection. */
function windowAround<T>(items: T[], selected: number): { items: T[]; offset: number } {
  const offset = Math.max(0, Math.min(selected - Math.floor(VISIBLE / 2), items.length - VISIBLE));
  return { items: items.slice(offset, offset + VISIBLE), offset };
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

/**
 * Browses every session (newest first) and its captures, with a thumbnail of the selected
 * capture. ↑↓ move, → or Enter opens a session, ← goes back, b annotates the selected capture,
 * Esc, q or h closes.
 */
export function History({
  source,
  thumbnail,
  onClose,
  onAnnotate,
  onExplain,
  onLesions,
}: {
  source: HistorySource;
  /** Draws a capture's picture as terminal text; undefined when the terminal is too narrow for one. */
  thumbnail?: (file: string) => Promise<string>;
  onClose: () => void;
  onAnnotate: (capture: Capture) => void;
  /** Shows where the model looked in a capture. */
  onExplain: (capture: Capture) => void;
  /** Attaches a capture to one of its patient's lesions. */
  onLesions: (capture: Capture) => void;
}) {
  const [sessions] = useState(() => source.sessions().reverse());
  const [sessionIndex, setSessionIndex] = useState(0);
  const [captureIndex, setCaptureIndex] = useState<number>();
  const [picture, setPicture] = useState<string>();
  const session = sessions[sessionIndex];
  // read once per session opened, not on every key press
  const captures = useMemo(() => (session ? source.captures(session.id) : []), [source, session]);
  const capture = captureIndex === undefined ? undefined : captures[captureIndex];

  useKeys((input, key) => {
    if (key.escape || input === 'h' || input === 'q') return onClose();
    if (captureIndex === undefined) {
      if (key.upArrow) setSessionIndex(Math.max(0, sessionIndex - 1));
      if (key.downArrow) setSessionIndex(Math.min(sessions.length - 1, sessionIndex + 1));
      if ((key.rightArrow || key.return) && captures.length > 0) setCaptureIndex(0);
    } else {
      if (key.upArrow) setCaptureIndex(Math.max(0, captureIndex - 1));
      if (key.downArrow) setCaptureIndex(Math.min(captures.length - 1, captureIndex + 1));
      if (key.leftArrow) setCaptureIndex(undefined);
      if (input === 'b' && capture && capture.withdrawn_at === null) onAnnotate(capture);
      if (input === 'x' && capture && capture.withdrawn_at === null) onExplain(capture);
      if (input === 'l' && capture && capture.withdrawn_at === null) onLesions(capture);
    }
  });

  useEffect(() => {
    let live = true;
    setPicture(undefined);
    if (capture && thumbnail && capture.withdrawn_at === null) {
      thumbnail(path.join(source.dataDir, capture.image_path)).then(
        (text) => live && setPicture(text),
        () => live && setPicture('(image missing)'),
      );
    }
    return () => {
      live = false;
    };
  }, [capture, thumbnail, source.dataDir]);

  if (sessions.length === 0) return <Text dimColor>No sessions yet. Esc to go back.</Text>;
  const sessionWindow = windowAround(sessions, sessionIndex);
  const captureWindow = windowAround(captures, captureIndex ?? 0);
  const now = source.now();
  return (
    <Box flexDirection="column">
      <Text bold>History · times in {zoneName(now)}</Text>
      <Box>
        <Box flexDirection="column" width={SESSIONS_WIDTH} flexShrink={0} marginRight={2}>
          {sessionWindow.items.map((s, i) => {
            const selected = i + sessionWindow.offset === sessionIndex;
            return (
              <Text key={s.id} inverse={selected && captureIndex === undefined} color={selected ? 'cyan' : undefined} wrap="truncate-end">
                {sessionClock(s.started_at, now)} {shortened(s.operator, 8)} {shortPatientRef(s.patient_ref)} ({s.captures})
              </Text>
            );
          })}
        </Box>
        <Box flexDirection="column" width={CAPTURES_WIDTH} flexShrink={0} marginRight={2}>
          {captures.length === 0 && <Text dimColor>no captures</Text>}
          {captureWindow.items.map((c, i) => (
            <Text key={c.id} inverse={i + captureWindow.offset === captureIndex} dimColor={c.withdrawn_at !== null} wrap="truncate-end">
              {localClock(c.captured_at, true)}{' '}
              {c.withdrawn_at === null
                ? `${c.label.padEnd(9)} ${c.p_malignant === null ? '' : `${(c.p_malignant * 100).toFixed(0)}%`} ${c.body_site ?? ''}`
                : `withdrawn (${c.withdrawn_reason})`}
            </Text>
          ))}
        </Box>
        {capture && (
          <Box flexDirection="column">
            {capture.withdrawn_at !== null ? (
              <Text dimColor>withdrawn {localClock(capture.withdrawn_at)} ({capture.withdrawn_reason}); its image was deleted</Text>
            ) : !thumbnail ? (
              <Text dimColor>(widen the terminal to see the picture)</Text>
            ) : picture ? (
              <Text>{picture}</Text>
            ) : (
              <Text dimColor>loading…</Text>
            )}
            <Text dimColor>{capture.note ?? ''}</Text>
          </Box>
        )}
      </Box>
    </Box>
  );
}

/** At most six characters of a patient reference; of a generated one (DERMACAM-…) its end, which tells sessions apart. */
function shortPatientRef(ref: string | null): string {
  if (!ref) return '';
  if (ref.startsWith(GENERATED_REF_PREFIX)) return `…${ref.slice(-5)}`;
  return shortened(ref, 6);
}

/** `text` in at most `width` characters, "…" marking a cut. */
function shortened(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
