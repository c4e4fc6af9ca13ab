import { demoCamera } from './demoCamera.js';
import { fileCamera, folderCamera } from './fileCameras.js';
import { CameraError, type CameraSource } from './source.js';

export const DEFAULT_CAMERA = '/dev/video0';

/** `--camera <spec>`: /dev/videoN | file:<image> | dir:<folder> | demo. */
export async function openCamera(spec: string): Promise<CameraSource> {
  if (spec === 'demo') return demoCamera();
  if (spec.startsWith('file:')) return fileCamera(spec.slice('file:'.length));
  if (spec.startsWith('dir:')) return folderCamera(spec.slice('dir:'.length));
  if (spec.startsWith('/dev/')) return (await import('./webcam.js')).webcam(spec); // node-webcam only when there is one
  throw new CameraError(`Unknown camera "${spec}"; use /dev/videoN, file:<image>, dir:<folder> or demo.`);
}
