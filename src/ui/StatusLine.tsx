import { Text } from 'ink';

/** One line: the last thing that happened, the camera's state, where the data goes and which model answers. */
export function StatusLine({ message, camera, dataDir, model }: { message?: string; camera: string; dataDir: string; model: string }) {
  return (
    <Text wrap="truncate-end">
      {message && <Text color="cyan">{message} · </Text>}
      <Text dimColor>
        camera {camera} · data {dataDir} · {model}
      </Text>
    </Text>
  );
}
