import { Box, Text, type DOMElement } from 'ink';
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { CameraSource } from '../camera/source.js';
import type { PreviewCanvas, ScreenArea } from './previewCanvas.js';
import { useCameraPreview, type FrameRenderer } from './useCameraPreview.js';

export interface PreviewProps {
  camera: CameraSource;
  renderFrame: FrameRenderer;
  canvas: PreviewCanvas;
  columns: number;
  rows: number;
  intervalMs: number;
  /** Told when the camera starts or stops giving pictures (a sentence, or undefined when it works). */
  onCameraState?: (state: { ok: boolean; problem?: string }) => void;
}

/** The live camera picture, painted by the canvas into a box of the layout, or why there is none. */
export function Preview({ camera, renderFrame, canvas, columns, rows, intervalMs, onCameraState }: PreviewProps) {
  const { hasFrame, problem } = useCameraPreview(camera, renderFrame, canvas, columns, rows, intervalMs);
  const ok = hasFrame && !problem;
  useEffect(() => onCameraState?.({ ok, problem }), [ok, problem, onCameraState]);
  if (hasFrame && !problem) return <PictureBox canvas={canvas} columns={columns} rows={rows} />;
  return (
    <Box flexDirection="column" width={columns} height={rows} flexShrink={0} overflow="hidden">
      {problem ? <Text color="red">{problem} Retrying…</Text> : <Text dimColor>Starting the camera…</Text>}
    </Box>
  );
}

function PictureBox({ canvas, columns, rows }: { canvas: PreviewCanvas; columns: number; rows: number }) {
  const box = useRef<DOMElement>(null);
  // After every render: the area is withdrawn before Ink writes (cleanups run first), so Ink's
  // rewrite never gets a stale picture painted over it, and placed again once the layout is known.
  useLayoutEffect(() => {
    canvas.place(screenArea(box.current!));
    return () => canvas.place(undefined);
  });
  return <Box ref={box} width={columns} height={rows} flexShrink={0} />;
}

function screenArea(element: DOMElement): ScreenArea {
  let left = 0;
  let top = 0;
  for (let node: DOMElement | undefined = element; node; node = node.parentNode) {
    left += node.yogaNode?.getComputedLeft() ?? 0;
    top += node.yogaNode?.getComputedTop() ?? 0;
  }
  return { left, top, columns: element.yogaNode!.getComputedWidth(), rows: element.yogaNode!.getComputedHeight() };
}
