import { Text } from 'ink';

/** One line: the last thing that happened, then where the data goes and which model answers. */
export function StatusLine({ message, dataDir, model }: { message?: string; dataDir: string; model: string }) {
  return (
    <Text wrap="truncate-end">
      {message && <Text color="cyan">{message} · </Text>}
      <Text dimColor>
        data {dataDir} · {model}
      </Text>
    </Text>
  );
}
