import { useMemo, useRef, useState } from 'react';
import type { Capture, Session } from '../store/sessionLog.js';

/** Where the history's selection is: a session (newest first), and a capture of it once opened. */
export interface HistoryPosition {
  session: number;
  capture?: number;
}

export interface HistorySource {
  sessions(): Session[];
  captures(sessionId: string): Capture[];
  /** The log's clock: what "this year" is. */
  now(): Date;
}

type Move = 'up' | 'down' | 'open' | 'back';

/** One key's move; each starts from the position the previous one left, so five Downs move five rows. */
export function movedTo(at: HistoryPosition, move: Move, sessionCount: number, captureCount: (session: number) => number): HistoryPosition {
  const clamp = (value: number, count: number) => Math.max(0, Math.min(count - 1, value));
  if (at.capture === undefined) {
    if (move === 'up' || move === 'down') return { session: clamp(at.session + (move === 'up' ? -1 : 1), sessionCount) };
    return move === 'open' && captureCount(at.session) > 0 ? { ...at, capture: 0 } : at;
  }
  if (move === 'up' || move === 'down') return { ...at, capture: clamp(at.capture + (move === 'up' ? -1 : 1), captureCount(at.session)) };
  return move === 'back' ? { session: at.session } : at;
}

/** The history's sessions, the open session's captures and the selection, moved one key at a time. */
export function useHistoryState(source: HistorySource, start: HistoryPosition = { session: 0 }) {
  const sessions = useMemo(() => source.sessions().reverse(), [source]);
  const capturesOf = useMemo(() => {
    const read = new Map<number, Capture[]>(); // read once per session opened, not on every key press
    return (index: number) => {
      if (!read.has(index)) read.set(index, sessions[index] ? source.captures(sessions[index].id) : []);
      return read.get(index)!;
    };
  }, [source, sessions]);
  // keys can come faster than renders: each move, and what b, x or l act on, start from the latest position
  const latest = useRef(start);
  const [at, setAt] = useState(start);
  const move = (step: Move) => {
    latest.current = movedTo(latest.current, step, sessions.length, (i) => capturesOf(i).length);
    setAt(latest.current);
  };
  const captureAt = (position: HistoryPosition) => (position.capture === undefined ? undefined : capturesOf(position.session)[position.capture]);
  return { sessions, captures: capturesOf(at.session), at, move, capture: captureAt(at), latestCapture: () => captureAt(latest.current) };
}
