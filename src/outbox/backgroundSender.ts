import { setTimeout as sleep } from 'node:timers/promises';
import type { Equipment } from '../dicom/equipment.js';
import type { SessionLog } from '../store/sessionLog.js';
import type { Destination } from './config.js';
import { deliverTo, routeTo, type Route } from './sender.js';
import type { BackgroundSender, DestinationSummary } from './status.js';

/**
 * Starts sending to `destinations` in the background, each destination on its own: a pass at once, then one
 * `intervalMs` after the last ended, so a destination that is slow or stuck holds up no other. `stop()` ends
 * in-flight sends at once (closing their connections), so that quitting never waits on the network.
 */
export function startBackgroundSender(
  log: SessionLog,
  destinations: Destination[],
  { appVersion, equipment, intervalMs = 5000, routes = destinations.map((destination) => routeTo(destination)) }: { appVersion: string; equipment?: Equipment; intervalMs?: number; routes?: Route[] },
): BackgroundSender {
  const listeners = new Set<() => void>();
  const read = (route: Route): DestinationSummary => ({ name: route.destination.name, ...log.deliveryStatus(route.destination.name) });
  const statuses = routes.map(read);
  const stopping = new AbortController();
  const rest = () => sleep(intervalMs, undefined, { signal: stopping.signal }).catch(() => undefined); // a stop ends the rest

  const loop = async (route: Route, index: number) => {
    while (!stopping.signal.aborted) {
      try {
        await deliverTo(log, route, { appVersion, equipment, signal: stopping.signal });
        statuses[index] = read(route);
      } catch {
        // the log could not record (disk full, say): the captures stay waiting, and the next pass tries again
      }
      if (stopping.signal.aborted) return;
      listeners.forEach((listener) => listener());
      await rest();
    }
  };
  const loops = Promise.all(routes.map(loop));

  return {
    statuses: () => [...statuses],
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopping.abort(new Error('The outbox stopped.'));
      await loops;
    },
  };
}
