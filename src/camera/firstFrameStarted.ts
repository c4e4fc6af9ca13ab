import type { CameraSource } from './source.js';

/**
 * The camera, with its first preview frame already being made (in libvips's threads) while the caller does
 * other work: the app starts it before its first screen render, which takes a fifth of a second on a Pi.
 */
export function withFirstFrameStarted(camera: CameraSource): CameraSource {
  let first: Promise<Buffer> | undefined = camera.previewFrame();
  first.catch(() => undefined); // not unhandled meanwhile: whoever asks for the frame sees the failure
  return {
    description: camera.description,
    previewFrame() {
      const frame = first ?? camera.previewFrame();
      first = undefined;
      return frame;
    },
    capture: () => camera.capture(),
    stop: () => camera.stop(),
  };
}
