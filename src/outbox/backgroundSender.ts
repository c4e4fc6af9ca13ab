import type { SessionLog } from '../store/sessionLog.js';
import type { Destination } from './config.js';
import { deliverDue, routeTo } from './sender.js';
import type { BackgroundSender } from './status.js';

/** Starts sending to `destinations` in the background: a pass at once, then one every `intervalMs`. */
export function startBackgroundSender(log: SessionLog, destinations: Destination[], { appVersion, intervalMs = 5000 }: { appVersion: string; intervalMs?: number }): BackgroundSender {
  const routes = destinations.map((destination) => routeTo(destination));
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
  current = pass().finally(schedule);

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
