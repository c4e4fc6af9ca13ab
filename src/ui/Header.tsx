import { Box, Text } from 'ink';

export const NOT_A_MEDICAL_DEVICE = 'Not a medical device: research and teaching only. It does not diagnose; refer any concern to a clinician.';

/** Lines the header takes at this width: the title, then the notice, wrapped. */
export function headerLines(columns: number): number {
  return 1 + Math.ceil(NOT_A_MEDICAL_DEVICE.length / columns);
}

/** The title and camera, and the notice that stays on every screen. */
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
