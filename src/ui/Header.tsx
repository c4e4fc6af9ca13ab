import { Box, Text } from 'ink';

export const NOT_A_MEDICAL_DEVICE = 'Not a medical device: research and teaching only. It does not diagnose; refer any concern to a clinician.';

export function Header({ camera }: { camera: string }) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold color="cyan">dermacam</Text>
        <Text dimColor>  camera: {camera}</Text>
      </Text>
      <Text color="yellow">{NOT_A_MEDICAL_DEVICE}</Text>
    </Box>
  );
}
