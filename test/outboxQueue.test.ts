import { describe, expect, it } from 'vitest';
import { describeOutbox } from '../src/outbox/status.js';
import { DeliveryError } from '../src/outbox/delivery.js';
import { deliverDue, retryDelayMs, type Route } from '../src/outbox/sender.js';
import { outboxLogWith as logWith } from './helpers/outboxLog.js';

/** A destination that records what it was sent and fails while `down` says so. */
function fakeRoute(name: string, down: () => boolean | string) {
  const sent: string[] = [];
  const route: Route = {
    destination: { name, kind: 'cstore', host: 'pacs', port: 104, calledAe: 'PACS', callingAe: 'ME' },
    send: async (_object, uid) => {
      const failure = down();
      if (failure) throw new DeliveryError(typeof failure === 'string' ? failure : 'Nothing answers at pacs:104 (connection refused).');
      sent.push(uid);
      return {};
    },
  };
  return { route, sent };
}

describe('the outbox queue', () => {
  it('sends every capture once, leaves out withdrawn ones, and waits for a destination that is down', async () => {
    const { log, captures, clock } = await logWith(4);
    await log.withdrawCapture(captures[3]!.id, 'retake');
    let down = true;
    const { route, sent } = fakeRoute('pacs', () => down);
    expect(await deliverDue(log, [route], { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 0, failed: 1, refused: 0 });
    expect(log.deliveryStatus('pacs')).toMatchObject({ sent: 0, waiting: 3, failing: 1, lastError: 'Nothing answers at pacs:104 (connection refused).' });
    down = false;
    expect(await deliverDue(log, [route], { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 0, failed: 0, refused: 0 }); // still waiting out its retry time
    clock.advance(retryDelayMs(1));
    expect(await deliverDue(log, [route], { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 3, failed: 0, refused: 0 });
    expect(new Set(sent).size).toBe(3);
    expect(await deliverDue(log, [route], { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 0, failed: 0, refused: 0 });
    expect(log.deliveryStatus('pacs')).toMatchObject({ sent: 3, waiting: 0, failing: 0 });
    await log.close();
  });

  it('lets the others pass a picture that the PACS keeps refusing', async () => {
    const { log, clock } = await logWith(3);
    let tries = 0;
    const { route, sent } = fakeRoute('pacs', () => (tries++ === 0 ? 'pacs refused the picture (C-STORE status 0xa900).' : false));
    await deliverDue(log, [route], { appVersion: '0.1.0', now: clock.now }); // the oldest fails
    clock.advance(retryDelayMs(1));
    expect(await deliverDue(log, [route], { appVersion: '0.1.0', now: clock.now })).toEqual({ sent: 3, failed: 0, refused: 0 });
    expect(sent).toHaveLength(3);
    await log.close();
  });

  it('waits longer after each failure, up to ten minutes, and says how each destination stands', () => {
    expect([1, 2, 3, 10].map(retryDelayMs)).toEqual([10_000, 20_000, 40_000, 600_000]);
    expect(describeOutbox([])).toBeUndefined();
    expect(
      describeOutbox([
        { name: 'web', sent: 5, waiting: 0, failing: 0, needsAttention: 0, warned: 0 },
        { name: 'dimse', sent: 1, waiting: 2, failing: 2, lastError: 'Nothing answers at pacs:104 (connection refused).', needsAttention: 0, warned: 0 },
      ]),
    ).toBe('web: all sent · dimse: 2 waiting (Nothing answers at pacs:104 (connection refused))');
  });
});
