import type { DestinationStatus } from '../store/outbox.js';
import { escapeControlCharacters } from '../text.js';

export interface DestinationSummary extends DestinationStatus {
  name: string;
}

/**
 * The app's outbox: sends in the background, a pass every few seconds, and tells the screen how each destination
 * stands. (Its code, with the DICOM libraries, is loaded only where destinations are configured.)
 */
export interface BackgroundSender {
  statuses(): DestinationSummary[];
  /** Calls `listener` after every pass; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  stop(): Promise<void>;
}

/**
 * The status line's words for the destinations: "pacs: all sent", how many wait and why, and how many a
 * destination refused for good ("2 need attention: outbox --retry"), which nothing sends again by itself.
 */
export function describeOutbox(statuses: DestinationSummary[]): string | undefined {
  if (statuses.length === 0) return undefined;
  return statuses
    .map(({ name, waiting, failing, lastError, needsAttention }) => {
      const attention = needsAttention > 0 ? `${needsAttention} need${needsAttention === 1 ? 's' : ''} attention (dermacam outbox)` : '';
      if (waiting === 0) return `${name}: ${attention || 'all sent'}`;
      // escaped here too: a log written before server text was escaped may hold an escape sequence
      const why = failing > 0 && lastError ? ` (${escapeControlCharacters(lastError).replace(/\.$/, '')})` : '';
      return `${name}: ${waiting} waiting${why}${attention ? `, ${attention}` : ''}`;
    })
    .join(' · ');
}
