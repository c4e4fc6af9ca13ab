import { Text } from 'ink';

export interface StatusParts {
  camera: string;
  dataDir: string;
  /** The PACS outbox's state, where destinations are configured. */
  outbox?: string;
  model: string;
}

/** `text` in at most `width` characters, its middle given up to "…" (a path keeps its start and its end). */
export function middleCut(text: string, width: number): string {
  if (text.length <= width) return text;
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}

/**
 * The status line in `columns`: the camera, the model and the outbox always show; the data
 * folder gives up its middle first, and goes when even its ends do not fit.
 */
export function statusText({ camera, dataDir, outbox, model }: StatusParts, columns: number): string {
  const parts = (data?: string) => [`camera ${camera}`, ...(data ? [`data ${data}`] : []), ...(outbox ? [outbox] : []), model].join(' · ');
  const withoutData = parts().length;
  const room = columns - withoutData - ' · data '.length;
  if (room >= Math.min(dataDir.length, 12)) return parts(middleCut(dataDir, room));
  return middleCut(parts(), columns);
}

/** One line: the camera's state, where the data goes, the PACS outbox and which model answers. */
export function StatusLine({ parts, columns }: { parts: StatusParts; columns: number }) {
  return (
    <Text dimColor wrap="truncate-end">
      {statusText(parts, columns)}
    </Text>
  );
}
