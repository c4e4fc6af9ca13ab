import { Text } from 'ink';
import { useEffect, useState } from 'react';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function Spinner({ label }: { label: string }) {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    // every frame re-renders the whole screen, preview included, which costs Ink tens of
    // milliseconds of the main thread: a slow spinner keeps that off the capture's path
    const timer = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 400);
    return () => clearInterval(timer);
  }, []);
  return (
    <Text color="cyan">
      {FRAMES[frame]} {label}
    </Text>
  );
}
