/** The part of node-webcam (no published types) that dermacam uses. */
declare module 'node-webcam' {
  interface WebcamOptions {
    width: number;
    height: number;
    frames: number;
    skip: number;
    device: string;
    output: 'jpeg' | 'png';
    quality: number;
    delay: number;
    saveShots: boolean;
    callbackReturn: 'location' | 'buffer' | 'base64';
    verbose: boolean;
  }
  interface Webcam {
    capture(location: string, callback: (error: Error | null, data: unknown) => void): void;
  }
  const NodeWebcam: { create(options: WebcamOptions): Webcam };
  export default NodeWebcam;
}
