import { renderDemoLesion } from './demoLesion.js';
import type { CameraSource } from './source.js';

/** The demo loops over six seconds of preview frames, each drawn once: drawing SVG is too slow to do for every frame on a Pi. */
const LOOP_FRAMES = 180;
/** As a webcam: faster than the preview draws, so that the preview, not the camera, sets the rate on screen. */
const FRAME_SECONDS = 1 / 30;

/** The embedded default camera: a synthetic lesion that drifts slightly, on any machine. */
export function demoCamera(now: () => number = Date.now): CameraSource {
  const previews = new Map<number, Promise<Buffer>>();
  const step = () => Math.floor(now() / 1000 / FRAME_SECONDS) % LOOP_FRAMES;
  const phaseOf = (index: number) => (index / LOOP_FRAMES) * 2 * Math.PI;
  return {
    description: 'demo (synthetic lesion)',
    previewFrame: () => {
      const index = step();
      if (!previews.has(index)) previews.set(index, renderDemoLesion(320, 240, phaseOf(index)));
      return previews.get(index)!;
    },
    // 640x480 is plenty (the classifier looks at a 150-pixel square) and draws four times faster than 1280x960
    capture: () => renderDemoLesion(640, 480, phaseOf(step())),
    stop: async () => undefined,
  };
}
