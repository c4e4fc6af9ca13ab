import { DEMO_LESIONS, motionAt, paintDemoScene, renderFrame, sensorGrain, type DemoScene, type LesionLook } from './demoLesion.js';
import type { CameraSource } from './source.js';

/** As a webcam: faster than the preview draws, so that the preview, not the camera, sets the rate on screen. */
const FRAME_SECONDS = 1 / 30;
/** Each lesion is shown for six seconds (one loop of its drift), then the next. */
const FRAMES_PER_LESION = 180;
const PREVIEW = { width: 320, height: 240 };
/** 640x480 is plenty: the classifier looks at a 150-pixel square. */
const STILL = { width: 640, height: 480 };

/**
 * The embedded default camera: synthetic skin lesions (src/camera/demoLesion.ts) in turn, each
 * drifting slightly as under a hand-held camera, on any machine. Each lesion is painted once,
 * when first shown; a frame is a window of it.
 */
export function demoCamera(now: () => number = Date.now, lesions: readonly LesionLook[] = DEMO_LESIONS): CameraSource {
  const scenes = new Map<number, DemoScene>();
  const grain = sensorGrain();
  const frameAt = () => {
    const step = Math.floor(now() / 1000 / FRAME_SECONDS) % (FRAMES_PER_LESION * lesions.length);
    const lesion = Math.floor(step / FRAMES_PER_LESION);
    if (!scenes.has(lesion)) scenes.set(lesion, paintDemoScene(lesions[lesion]!));
    return { scene: scenes.get(lesion)!, motion: motionAt(((step % FRAMES_PER_LESION) / FRAMES_PER_LESION) * 2 * Math.PI) };
  };
  return {
    description: 'demo (synthetic lesion)',
    // no sensor noise in the preview: it would not show in terminal cells, and would only cost time
    previewFrame: async () => {
      const { scene, motion } = frameAt();
      return renderFrame(scene, PREVIEW.width, PREVIEW.height, motion);
    },
    capture: async () => {
      const { scene, motion } = frameAt();
      return renderFrame(scene, STILL.width, STILL.height, motion, grain);
    },
    stop: async () => undefined,
  };
}
