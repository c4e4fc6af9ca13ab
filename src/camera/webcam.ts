import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import NodeWebcam from 'node-webcam';
import { CameraError, type CameraSource } from './source.js';
import { checkedStill } from './still.js';

/**
 * node-webcam runs fswebcam through a shell string, so only names that cannot carry shell
 * syntax get through: a V4L2 device, or fswebcam's `file:` source with a plain path (tests).
 */
const SAFE_DEVICE = /^(\/dev\/video\d{1,3}|file:\/[A-Za-z0-9_./-]+)$/;

export function isSafeDevice(device: string): boolean {
  return SAFE_DEVICE.test(device) && !device.includes('..');
}

interface Shot {
  width: number;
  height: number;
  frames: number;
  skip: number;
}

const PREVIEW: Shot = { width: 320, height: 240, frames: 1, skip: 0 };
// a few frames skipped let exposure settle; two frames averaged reduce noise without blurring motion
export const STILL: Shot = { width: 1280, height: 960, frames: 2, skip: 5 };
export const STILL_JPEG_QUALITY = 92;

/** A USB webcam through node-webcam and fswebcam; one fswebcam at a time, stdout kept clean. */
export async function webcam(device: string): Promise<CameraSource> {
  if (!isSafeDevice(device)) throw new CameraError(`"${device}" is not a camera device name like /dev/video0.`);
  const folder = await mkdtemp(path.join(os.tmpdir(), 'dermacam-cam-'));
  let queue: Promise<unknown> = Promise.resolve();
  let count = 0;

  function shoot(shot: Shot): Promise<Buffer> {
    const file = path.join(folder, `shot-${++count}.jpg`);
    const run = queue.then(() => runFswebcam(device, shot, file));
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    description: device,
    previewFrame: () => shoot(PREVIEW),
    capture: () => shoot(STILL),
    stop: async () => {
      await queue;
      await rm(folder, { recursive: true, force: true });
    },
  };
}

async function runFswebcam(device: string, shot: Shot, file: string): Promise<Buffer> {
  const camera = NodeWebcam.create({
    ...shot,
    device,
    output: 'jpeg',
    quality: STILL_JPEG_QUALITY,
    delay: 0,
    saveShots: false,
    callbackReturn: 'location',
    verbose: false,
  });
  await new Promise<void>((resolve, reject) => {
    camera.capture(file, (error: Error | null) => (error ? reject(error) : resolve()));
  }).catch((error: Error) => {
    throw new CameraError(describeFailure(device, error.message));
  });
  // fswebcam exits 0 when it could not open the device: the file is the proof of a picture
  const size = await stat(file).then((info) => info.size, () => 0);
  if (size === 0) throw new CameraError(noPicture(device));
  const image = await readFile(file);
  await rm(file, { force: true });
  return shot === STILL ? checkedStill(image, device) : image;
}

const noPicture = (device: string) => `No picture from ${device}: is the camera plugged in, and may this user open it?`;

function describeFailure(device: string, message: string): string {
  if (/No webcam found/.test(message)) return noPicture(device);
  if (/fswebcam: not found|ENOENT/i.test(message)) return 'fswebcam is not installed (sudo apt-get install fswebcam).';
  if (/permission/i.test(message)) return `Permission denied for ${device}: add this user to the video group.`;
  return `The camera ${device} failed (${message.split('\n')[0]}).`;
}
