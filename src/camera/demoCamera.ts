import { renderDemoLesion } from './demoLesion.js';
import type { CameraSource } from './source.js';

/** The embedded default camera: a synthetic lesion that drifts slightly, on any machine. */
export function demoCamera(now: () => number = Date.now): CameraSource {
  const phase = () => now() / 1000;
  return {
    description: 'demo (synthetic lesion)',
    previewFrame: () => renderDemoLesion(320, 240, phase()),
    capture: () => renderDemoLesion(1280, 960, phase()),
    stop: async () => undefined,
  };
}
