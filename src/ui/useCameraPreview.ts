import { useEffect, useState } from 'react';
import type { CameraSource } from '../camera/source.js';
import type { PreviewCanvas } from './previewCanvas.js';

export type FrameRenderer = (image: Buffer, columns: number, rows: number) => Promise<string>;

/**
 * Keeps fetching and rendering camera frames, one at a time, one every `intervalMs` (or as fast
 * as they come when they take longer), and hands each to the canvas, without a React render; a
 * frame that is the last one again is not rendered again. A camera failure is shown as a problem
 * and retried every two seconds.
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
  useEffect(() => {
    let live = true;
    let timer: NodeJS.Timeout | undefined;
    // frames are due on a fixed cadence, so timer lateness does not add up; after a slow frame the cadence restarts instead of catching up in a burst
    let due = Date.now();
    let shown: { image: Buffer; text: string } | undefined;
    async function tick(): Promise<void> {
      let delay: number;
      try {
        const image = await camera.previewFrame();
        // the same picture again (a file camera, the demo's loop) is not rendered again
        const text = shown?.image.equals(image) ? shown.text : await render(image, columns, rows);
        shown = { image, text };
        if (!live) return;
        canvas.draw(text);
        setHasFrame(true);
        setProblem(undefined);
        due = Math.max(due + intervalMs, Date.now());
        delay = due - Date.now();
      } catch (error) {
        if (!live) return;
        setProblem((error as Error).message);
        delay = 2000;
        due = Date.now() + delay;
      }
      timer = setTimeout(tick, delay);
    }
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [camera, render, canvas, columns, rows, intervalMs]);
  return { hasFrame, problem };
}
