import type { DestinationStatus } from '../store/outbox.js';
import type { SessionLog } from '../store/sessionLog.js';
import { deliverDue, type Route } from './sender.js';

export interface DestinationSummary extends DestinationStatus {
  name: string;
}

/** The app's outbox: sends in the background, a pass every few seconds, and tells the screen how each destination stands. */
export interface BackgroundSender {
  statuses(): DestinationSummary[];
  /** Calls `listener` after every pass; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  stop(): Promise<void>;
}

export function startBackgroundSender(log: SessionLog, routes: Route[], { appVersion, intervalMs = 5000 }: { appVersion: string; intervalMs?: number }): BackgroundSender {
  const listeners = new Set<() => void>();
  const read = () => routes.map(({ destination }) => ({ name: destination.name, ...log.deliveryStatus(destination.name) }));
  let statuses = read();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const pass = async () => {
    try {
      await deliverDue(log, routes, { appVersion });
      statuses = read();
    } catch {
      // the log could not record (disk full, say): the captures stay waiting, and the next pass tries again
    }
    listeners.forEach((listener) => listener());
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = pass().finally(schedule);
    }, intervalMs);
  };
  if (routes.length > 0) current = pass().finally(schedule);

  return {
    statuses: () => statuses,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

/** The status line's words for the destinations: "pacs: all sent", or how many wait and why. */
export function describeOutbox(statuses: DestinationSummary[]): string | undefined {
  if (statuses.length === 0) return undefined;
  return statuses
    .map(({ name, waiting, failing, lastError }) => {
      if (waiting === 0) return `${name}: all sent`;
      return `${name}: ${waiting} waiting${failing > 0 && lastError ? ` (${lastError.replace(/\.$/, '')})` : ''}`;
    })
    .join(' · ');
}
