import path from 'node:path';
import { parseArgs } from 'node:util';
import { appVersion } from '../appVersion.js';
import { localTime } from '../localTime.js';
import { CONFIG_FILE, readDestinations, type Destination } from '../outbox/config.js';
import { deliverDue, routeTo } from '../outbox/sender.js';
import { DEFAULT_DATA_DIR, writeLine, type CommandIO } from './io.js';
import { openExistingLog } from './openLog.js';

/**
 * `dermacam outbox [--retry] [--config <file>] [--data-dir <dir>]`: how each PACS destination stands;
 * with --retry, sends every waiting capture now, whatever its retry time. Exit 1 while any capture still waits.
 */
export async function outboxCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { retry: { type: 'boolean', default: false }, config: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const dataDir = values['data-dir'] ?? DEFAULT_DATA_DIR;
  const configFile = values.config ?? path.join(dataDir, CONFIG_FILE);
  const destinations = await readDestinations(configFile, { required: values.config !== undefined });
  if (destinations.length === 0) {
    writeLine(io.stderr, `No PACS destinations are configured: add them to ${configFile} (README, "Sending to a PACS").`);
    return 0;
  }
  const log = await openExistingLog(dataDir, io, { writable: values.retry });
  if (!log) return 1;
  try {
    if (values.retry) {
      const routes = destinations.map((destination) => routeTo(destination));
      const version = await appVersion();
      // pass after pass while pictures still go out; a destination that fails is left until the next run
      for (;;) {
        const { sent } = await deliverDue(log, routes, { appVersion: version, ignoreBackoff: true });
        if (sent === 0) break;
      }
    }
    let waiting = 0;
    for (const destination of destinations) {
      const status = log.deliveryStatus(destination.name);
      waiting += status.waiting;
      const failure = status.failing > 0 && status.lastError ? ` Last failure: ${status.lastError} Next try ${localTime(status.nextTryAt!).slice(0, 19).replace('T', ' ')}.` : '';
      writeLine(io.stdout, `${destination.name} (${describeDestination(destination)}): ${status.sent} sent, ${status.waiting} waiting.${failure}`);
    }
    return waiting === 0 ? 0 : 1;
  } finally {
    await log.close();
  }
}

function describeDestination(destination: Destination): string {
  return destination.kind === 'dicomweb' ? `STOW-RS ${destination.url.href}` : `C-STORE ${destination.calledAe}@${destination.host}:${destination.port}`;
}
