import path from 'node:path';
import { appVersion } from '../appVersion.js';
import { localTime } from '../localTime.js';
import type { Equipment } from '../dicom/equipment.js';
import { CONFIG_FILE, readPacsConfig, type Destination } from '../outbox/config.js';
import { deliverTo, routeTo, type Route } from '../outbox/sender.js';
import { nextTryFrom, type DestinationStatus } from '../store/outbox.js';
import type { SessionLog } from '../store/sessionLog.js';
import { writeLine, type CommandIO } from './io.js';
import { openExistingLog } from './openLog.js';
import { OUTBOX_OPTIONS, parseOptions } from './options.js';

/**
 * `dermacam outbox [--retry] [--config <file>] [--data-dir <dir>]`: how each PACS destination stands;
 * with --retry, puts back what destinations refused and sends every waiting capture now, whatever its retry
 * time. Exit 1 while any capture still waits or needs attention.
 */
export async function outboxCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseOptions(OUTBOX_OPTIONS, argv);
  const dataDir = values['data-dir'];
  const configFile = values.config ?? path.join(dataDir, CONFIG_FILE);
  const { destinations, equipment } = await readPacsConfig(configFile, { required: values.config !== undefined });
  if (destinations.length === 0) {
    writeLine(io.stderr, `No PACS destinations are configured: add them to ${configFile} (docs/PACS.md).`);
    return 0;
  }
  const log = await openExistingLog(dataDir, io, { writable: values.retry });
  if (!log) return 1;
  try {
    if (values.retry) {
      const version = await appVersion();
      await Promise.all(destinations.map((destination) => retryAll(log, routeTo(destination), { appVersion: version, equipment })));
    }
    let unsent = 0;
    for (const destination of destinations) {
      const status = log.deliveryStatus(destination.name);
      unsent += status.waiting + status.needsAttention;
      writeLine(io.stdout, `${destination.name} (${describeDestination(destination)}): ${status.sent} sent, ${status.waiting} waiting.${describeProblems(status)}`);
    }
    return unsent === 0 ? 0 : 1;
  } finally {
    await log.close();
  }
}

/** Puts back what the destination refused, then pass after pass while pictures still go; a destination that fails is left until the next run. */
async function retryAll(log: SessionLog, route: Route, made: { appVersion: string; equipment: Equipment }): Promise<void> {
  await log.requeueRefused(route.destination.name);
  for (;;) {
    const { sent, failed, refused } = await deliverTo(log, route, { ...made, ignoreBackoff: true });
    if (failed > 0 || sent + refused === 0) return;
  }
}

function describeProblems(status: DestinationStatus): string {
  const parts: string[] = [];
  if (status.failing > 0 && status.lastError) {
    const nextTry = localTime(nextTryFrom(status.nextTryAt!, new Date()).toISOString()).slice(0, 19).replace('T', ' ');
    parts.push(`Last failure: ${status.lastError} Next try ${nextTry}.`);
  }
  if (status.needsAttention > 0) {
    parts.push(`${status.needsAttention} refused for good, which need${status.needsAttention === 1 ? 's' : ''} attention: ${status.lastRefusal} "dermacam outbox --retry" sends them again.`);
  }
  if (status.warned > 0) parts.push(`${status.warned} stored with a warning: ${status.lastWarning}`);
  return parts.map((part) => ` ${part}`).join('');
}

function describeDestination(destination: Destination): string {
  return destination.kind === 'dicomweb' ? `STOW-RS ${destination.url.href}` : `C-STORE ${destination.calledAe}@${destination.host}:${destination.port}`;
}
