import { Text } from 'ink';

/** One line: the last thing that happened, the camera's state, where the data goes, the PACS outbox and which model answers. */
export function StatusLine({ message, camera, dataDir, outbox, model }: { message?: string; camera: string; dataDir: string; outbox?: string; model: string }) {
  return (
    <Text wrap="truncate-end">
      {message && <Text color="cyan">{message} · </Text>}
      <Text dimColor>
        camera {camera} · data {dataDir} · {outbox ? `${outbox} · ` : ''}
        {model}
      </Text>
    </Text>
  );
}
