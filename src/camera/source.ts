import { UserError } from '../errors.js';

/** Anything that can show a live picture and take a still: a webcam, a file, a folder, the demo. */
export interface CameraSource {
  /** What the operator sees as the camera's name, e.g. `/dev/video0` or `demo`. */
  readonly description: string;
  /** A recent frame for the live preview (encoded image, any size). */
  previewFrame(): Promise<Buffer>;
  /** A full-resolution still as JPEG, for classification and the log. */
  capture(): Promise<Buffer>;
  stop(): Promise<void>;
}

/** No camera, permission denied, unplugged...: shown on screen while the app retries. */
export class CameraError extends UserError {}
