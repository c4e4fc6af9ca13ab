import { useEffect, useRef, useState } from 'react';
import type { CameraSource } from '../camera/source.js';
import type { PreviewCanvas } from './previewCanvas.js';

export type FrameRenderer = (image: Buffer, columns: number, rows: number) => Promise<string>;

/**
 * Keeps fetching and rendering camera frames, one at a time, at most every `intervalMs` (read
 * afresh for each frame, so a change takes effect without restarting), and hands each to the
 * canvas, without a React render. A camera failure is shown as a problem and retried every
 * two seconds.
 */
export function useCameraPreview(
  camera: CameraSource,
  render: FrameRenderer,
  canvas: PreviewCanvas,
  columns: number,
  rows: number,
  intervalMs: number,
) {
  const [hasFrame, setHasFrame] = useState(false);
  const [problem, setProblem] = useState<string>();
  const interval = useRef(intervalMs);
  interval.current = intervalMs;
  useEffect(() => {
    let live = true;
    let timer: NodeJS.Timeout | undefined;
    async function tick(): Promise<void> {
      const started = Date.now();
      let delay = interval.current;
      try {
        const text = await render(await camera.previewFrame(), columns, rows);
        if (!live) return;
        canvas.draw(text);
        setHasFrame(true);
        setProblem(undefined);
        delay = Math.max(0, interval.current - (Date.now() - started));
      } catch (error) {
        if (!live) return;
        setProblem((error as Error).message);
        delay = 2000;
      }
      timer = setTimeout(tick, delay);
    }
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [camera, render, canvas, columns, rows]);
  return { hasFrame, problem };
}
