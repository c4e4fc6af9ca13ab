import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { render } from 'ink';
import sharp from 'sharp';
import { withFirstFrameStarted } from '../camera/firstFrameStarted.js';
import { DEFAULT_CAMERA, openCamera } from '../camera/openCamera.js';
import { startClassifierWorkers, type ModelInfo } from '../classifier/workerClient.js';
import { UserError } from '../errors.js';
import { CONFIG_FILE, readPacsConfig } from '../outbox/config.js';
import type { BackgroundSender } from '../outbox/status.js';
import { printable } from '../text.js';
import { CaptureFlow } from '../capture/captureFlow.js';
import { appVersion } from '../appVersion.js';
import { readLogKey } from '../store/logKey.js';
import { lastBackup } from '../store/lastBackup.js';
import { SessionLog } from '../store/sessionLog.js';
import { App } from '../ui/App.js';
import { keyboardInput } from '../ui/keyboardInput.js';
import { streamWithCanvas, TerminalCanvas } from '../ui/previewCanvas.js';
import { renderFrame } from '../ui/renderFrame.js';
import { DEFAULT_DATA_DIR, DEFAULT_MODEL_DIR, parseBackend, type CommandIO } from './io.js';

const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h\u001b[H';
const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l';
const CLEAR_SCREEN = '\u001b[2J\u001b[H';

/** `dermacam [--camera <spec>] [--model <dir>] [--backend ...] [--data-dir <dir>] [--operator <name>] [--config <file>]` */
export async function uiCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      camera: { type: 'string', default: DEFAULT_CAMERA },
      model: { type: 'string' },
      backend: { type: 'string' },
      'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
      operator: { type: 'string' },
      config: { type: 'string' },
    },
  });
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UserError('The terminal UI needs an interactive terminal; use dermacam classify in scripts and pipes.');
  }
  const backend = parseBackend(values.backend);
  // every preview frame and capture is a new picture: libvips's cache of operations (up to 50 MB)
  // would only fill with pictures never seen again
  sharp.cache(false);
  const dataDir = values['data-dir']!;
  // a configuration error is said before anything is opened
  const { destinations, equipment } = await readPacsConfig(values.config ?? path.join(dataDir, CONFIG_FILE), { required: values.config !== undefined });
  const camera = withFirstFrameStarted(await openCamera(values.camera!)); // made while the log opens and the screen renders
  const store = await SessionLog.open(dataDir, { key: await readLogKey(process.env, dataDir) }).catch(async (error: unknown) => {
    await camera.stop();
    throw error;
  });
  // without --operator the app asks who is at the screen: on a kiosk the login's user is the service's, not a person
  const operator = printable(values.operator ?? '');
  const version = await appVersion();

  // after an SSH hang-up the terminal is gone: writes fail with EIO/EPIPE, which must not crash the cleanup
  process.stdout.on('error', () => undefined);
  io.stdout.write(ENTER_ALTERNATE_SCREEN);
  const restoreTerminal = () => io.stdout.write(LEAVE_ALTERNATE_SCREEN);
  process.once('exit', restoreTerminal); // whatever ends the process, the operator gets their terminal back
  const canvas = new TerminalCanvas((text) => process.stdout.write(text), (resume) => process.stdout.once('drain', resume));
  const flow = new CaptureFlow({ camera, store, appVersion: version }, { operator });
  let model: ModelInfo | undefined;
  let outbox: BackgroundSender | undefined;
  const backedUpAt = () => lastBackup(dataDir)?.at;
  const screen = () => <App camera={camera} flow={flow} model={model} store={store} renderFrame={renderFrame} canvas={canvas} outbox={outbox} lastBackup={backedUpAt} />;
  // a resized terminal keeps what was drawn outside Ink's lines (the preview) and cuts or wraps the rest:
  // the screen is wiped before Ink (which listens after this) draws the frame again at the new size
  const wipe = () => {
    process.stdout.write(CLEAR_SCREEN);
    app.clear();
  };
  process.stdout.on('resize', wipe);
  // the frame is drawn at once, and the model loads behind it: that takes seconds on a Pi
  const app = render(screen(), { stdout: streamWithCanvas(process.stdout, canvas), stdin: keyboardInput(process.stdin), exitOnCtrlC: false, patchConsole: true });
  // a failure that escaped every handler ends the app in one sentence, like any other error
  let escaped: unknown;
  const fail = (error: unknown) => {
    escaped ??= error;
    app.unmount();
  };
  let exited = false;
  const exit = app.waitUntilExit().finally(() => (exited = true));
  // at most two workers share the test-time flips of each still; more would cost a model's memory each for little gain
  const loading = startClassifierWorkers({ modelDir: values.model ?? DEFAULT_MODEL_DIR, backend }, Math.min(2, os.availableParallelism()));
  // what arrives after the app has ended must not draw it again: that would keep the process alive
  const redraw = () => exited || app.rerender(screen());
  loading.then((classifier) => {
    flow.useClassifier(classifier);
    model = classifier.info;
    redraw();
  }, fail);
  // captures go to the clinic's PACS in the background; what was not sent waits in the log. The DICOM
  // libraries load only where destinations are configured, and behind the first screen
  const sending =
    destinations.length === 0
      ? undefined
      : import('../outbox/backgroundSender.js').then(({ startBackgroundSender }) => {
          if (exited) return;
          outbox = startBackgroundSender(store, destinations, { appVersion: version, equipment });
          redraw();
        }, fail);
  let signal: NodeJS.Signals | undefined;
  const hangUp = (received: NodeJS.Signals) => {
    signal = received;
    app.unmount();
  };
  process.once('SIGTERM', hangUp);
  process.once('SIGHUP', hangUp);
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  try {
    await exit;
  } finally {
    process.stdout.off('resize', wipe);
    process.off('SIGTERM', hangUp);
    process.off('SIGHUP', hangUp);
    process.off('uncaughtException', fail);
    process.off('unhandledRejection', fail);
    restoreTerminal();
    process.off('exit', restoreTerminal);
    await camera.stop();
    await sending;
    await outbox?.stop();
    await loading.then((classifier) => classifier.close(), () => undefined);
    await store.close();
  }
  if (escaped !== undefined) throw escaped;
  if (signal) {
    // ended by a signal, the process ends by it too (status 128 + n, as shells expect); after a hang-up this also
    // skips Node's restoring of the vanished terminal, which aborts on its I/O error. Ink's cursor helper still
    // listens for the signal and would swallow it.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  return 0;
}
