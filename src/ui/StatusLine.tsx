import { Text } from 'ink';
import { shortenMiddle } from '../text.js';

export interface StatusParts {
  camera: string;
  dataDir: string;
  /** The PACS outbox's state, where destinations are configured. */
  outbox?: string;
  /** How old the data folder's last backup is, where backups are looked for. */
  backup?: string;
  model: string;
}

/**
 * The status line in `columns`: the camera, the model and the outbox always show; the data
 * folder gives up its middle first, and goes when even its ends do not fit; the backup's age
 * goes next.
 */
export function statusText({ camera, dataDir, outbox, backup, model }: StatusParts, columns: number): string {
  const line = (data: string | undefined, withBackup: boolean) =>
    [`camera ${camera}`, ...(data ? [`data ${data}`] : []), ...(outbox ? [outbox] : []), ...(withBackup && backup ? [backup] : []), model].join(' · ');
  for (const withBackup of [true, false]) {
    const room = columns - line(undefined, withBackup).length - ' · data '.length;
    if (room >= Math.min(dataDir.length, 12)) return line(shortenMiddle(dataDir, room), withBackup);
    if (line(undefined, withBackup).length <= columns) return line(undefined, withBackup);
  }
  return shortenMiddle(line(undefined, false), columns);
}

/** One line: the camera's state, where the data goes, the PACS outbox and which model answers. */
export function StatusLine({ parts, columns }: { parts: StatusParts; columns: number }) {
  return (
    <Text dimColor wrap="truncate-end">
      {statusText(parts, columns)}
    </Text>
  );
}
