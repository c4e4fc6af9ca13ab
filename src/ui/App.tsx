import { Box, Text, useApp, useInput } from 'ink';
import { useCallback, useState } from 'react';
import type { CameraSource } from '../camera/source.js';
import type { CaptureFlow } from '../capture/captureFlow.js';
import type { ModelInfo } from '../classifier/workerClient.js';
import type { BackgroundSender } from '../outbox/status.js';
import type { Capture, SessionLog } from '../store/sessionLog.js';
import { Header } from './Header.js';
import { KeyHelp, keyHints } from './KeyHelp.js';
import { KeyRouter, KeyRouterContext } from './keyRouter.js';
import { KEYMAP, type KeymapScreen } from './keymap.js';
import { layoutOf, MIN_COLUMNS, MIN_ROWS } from './layout.js';
import { Preview } from './Preview.js';
import { FULL_WIDTH, ScreenBody } from './ScreenBody.js';
import { StatusLine } from './StatusLine.js';
import type { PreviewCanvas } from './previewCanvas.js';
import { useCaptureSession } from './useCaptureSession.js';
import type { FrameRenderer } from './useCameraPreview.js';
import { backupAge, useLastBackup } from './useLastBackup.js';
import { useOutboxStatus } from './useOutboxStatus.js';
import { useScreens, type Screen } from './useScreens.js';
import { useTerminalSize } from './useTerminalSize.js';
import { canActNow, useMainScreenKeys } from './useMainScreenKeys.js';

export interface AppProps {
  camera: CameraSource;
  /** Takes, classifies and logs stills, and every change to what was logged; it classifies once the model has loaded. */
  flow: CaptureFlow;
  /** The loaded model; undefined while it loads. */
  model?: ModelInfo;
  /** Read by the history and lesion screens; written only through the flow. */
  store: SessionLog;
  renderFrame: FrameRenderer;
  /** Where the live preview is painted. */
  canvas: PreviewCanvas;
  previewIntervalMs?: number;
  /** Sends captures to the clinic's PACS; its state is shown in the status line. */
  outbox?: BackgroundSender;
  /** Called once when the operator quits, after the app has stopped drawing. */
  onQuit?: () => void;
  /** When the data folder's last backup succeeded (undefined: never); the status line shows its age. */
  lastBackup?: () => Date | undefined;
}

/** 16 preview frames a second, so that timer jitter and the odd slow frame still leave 15 on screen. */
const PREVIEW_INTERVAL_MS = 1000 / 16;

const keymapOf = (screen: Screen): KeymapScreen =>
  screen.name === 'new-session' || screen.name === 'note' ? 'form' : screen.name === 'confirm-retake' ? 'confirm' : screen.name;

export function App({ camera, flow, model, store, renderFrame, canvas, previewIntervalMs = PREVIEW_INTERVAL_MS, outbox, onQuit, lastBackup }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const [router] = useState(() => new KeyRouter());
  // with no operator named, the app opens by asking who is at the screen
  const screens = useScreens(router, flow.sessionPlan.operator ? [] : [{ name: 'new-session' }]);
  const { screen } = screens;
  const session = useCaptureSession(flow, model !== undefined);
  const [cameraState, setCameraState] = useState<{ ok: boolean; problem?: string }>({ ok: false });
  const outboxStatus = useOutboxStatus(outbox);
  const backedUp = useLastBackup(lastBackup);
  // the preview starts afresh after another screen: "starting" again would only be noise once the camera has worked
  const keepCameraState = useCallback(
    (state: { ok: boolean; problem?: string }) => setCameraState((previous) => (state.ok || state.problem || !previous.ok ? state : previous)),
    [],
  );
  const { picture } = session;
  const drawPicture = useCallback(async (capture: Capture, c: number, r: number) => renderFrame(await picture(capture), c, r), [renderFrame, picture]);

  const canAct = canActNow(screen, session, flow);
  const layout = layoutOf(columns, rows, keyHints(KEYMAP[keymapOf(screen)], canAct), session.message);
  router.pause(layout.tooSmall);

  function quit(): void {
    exit();
    onQuit?.();
  }
  const formOpen = screen.name === 'new-session' || screen.name === 'note';
  // one subscription for the whole app; the router hands each key to the screen on view
  useInput((input, key) => {
    // forms handle Ctrl+C themselves: they ask first when something was typed
    if (key.ctrl && input === 'c' && !formOpen) return quit();
    router.dispatch(input, key);
  });
  useMainScreenKeys({ screens, session, canAct, quit, router });

  const preview = (
    <Preview
      camera={camera}
      renderFrame={renderFrame}
      canvas={canvas}
      columns={layout.previewColumns}
      rows={layout.bodyRows}
      intervalMs={previewIntervalMs}
      onCameraState={keepCameraState}
    />
  );
  return (
    // one line short of the terminal: a full-height Ink app clears the whole terminal on every update
    <KeyRouterContext.Provider value={router}>
      {layout.tooSmall && (
        <Text color="yellow">
          The terminal is {columns}x{rows}; dermacam needs at least {MIN_COLUMNS}x{MIN_ROWS}. Enlarge it to go on{formOpen ? '' : ' (Ctrl+C quits)'}.
        </Text>
      )}
      <Box flexDirection="column" width={columns} height={rows - 1} overflow="hidden" display={layout.tooSmall ? 'none' : 'flex'}>
        <Header camera={camera.description} columns={columns} />
        <Box height={layout.bodyRows} flexShrink={0} overflow="hidden">
          <ScreenBody
            screens={screens}
            session={session}
            flow={flow}
            store={store}
            ready={model !== undefined}
            layout={layout}
            drawPicture={drawPicture}
            renderFrame={renderFrame}
            preview={FULL_WIDTH.has(screen.name) || layout.tooSmall ? <></> : preview}
            onQuit={quit}
          />
        </Box>
        {layout.messageLines.map((line, i) => (
          <Text key={i} color="cyan">
            {line}
          </Text>
        ))}
        <StatusLine
          columns={columns}
          parts={{
            camera: cameraState.ok ? 'ok' : cameraState.problem ? 'no picture' : 'starting',
            dataDir: store.dataDir,
            outbox: outboxStatus,
            backup: lastBackup && backupAge(backedUp, new Date()),
            model: model ? `${model.modelId} · ${model.backend}` : 'model loading',
          }}
        />
        <KeyHelp keys={layout.keys} />
      </Box>
    </KeyRouterContext.Provider>
  );
}
