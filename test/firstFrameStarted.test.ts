import { describe, expect, it } from 'vitest';
import { withFirstFrameStarted } from '../src/camera/firstFrameStarted.js';
import type { CameraSource } from '../src/camera/source.js';

/** A camera whose frames are numbered in the order they were asked for; frame `failing` fails. */
function countingCamera(failing?: number): CameraSource & { asked: number } {
  return {
    description: 'counting',
    asked: 0,
    previewFrame() {
      this.asked++;
      return this.asked === failing ? Promise.reject(new Error(`frame ${this.asked} failed`)) : Promise.resolve(Buffer.from(`frame ${this.asked}`));
    },
    capture: async () => Buffer.from('still'),
    stop: async () => undefined,
  };
}

describe('a camera with its first frame started', () => {
  it('asks for the first frame at once, hands it to the first caller, and passes later calls through', async () => {
    const camera = countingCamera();
    const primed = withFirstFrameStarted(camera);
    expect(camera.asked).toBe(1);
    expect((await primed.previewFrame()).toString()).toBe('frame 1');
    expect((await primed.previewFrame()).toString()).toBe('frame 2');
    expect(camera.asked).toBe(2);
    expect((await primed.capture()).toString()).toBe('still');
    expect(primed.description).toBe('counting');
  });

  it('gives a failed first frame to its first caller, not to nobody', async () => {
    const primed = withFirstFrameStarted(countingCamera(1));
    await new Promise((resolve) => setTimeout(resolve, 10)); // the failure happens before anyone asks
    await expect(primed.previewFrame()).rejects.toThrow('frame 1 failed');
    expect((await primed.previewFrame()).toString()).toBe('frame 2');
  });
});
