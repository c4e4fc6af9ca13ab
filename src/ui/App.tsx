import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { readFile } from 'node:fs/promises';
import { useCallback, useEffect, useReducer, useRef, useState, type ReactElement } from 'react';
import type { CameraSource } from '../camera/source.js';
import type { CaptureFlow, LesionChoice, SessionPlan } from '../capture/captureFlow.js';
import type { BackgroundSender } from '../outbox/status.js';
import { bodySitesMatching } from '../bodySites.js';
import { patientRefProblem } from '../patientRef.js';
import { verdictOf } from '../capture/verdict.js';
import type { ModelInfo } from '../classifier/workerClient.js';
import { UserError } from '../errors.js';
import { writeSessionCsv } from '../store/exportFile.js';
import type { Capture, Lesion, SessionLog } from '../store/sessionLog.js';
import { ConfirmPrompt } from './ConfirmPrompt.js';
import { ExplainPanel } from './ExplainPanel.js';
import { LesionsPanel } from './LesionsPanel.js';
import { LesionView } from './LesionView.js';
import { Header, headerLines } from './Header.js';
import { HelpPanel } from './HelpPanel.js';
import { History, HISTORY_LISTS_WIDTH } from './History.js';
import { KeyHelp, keyHelpLines, MAIN_KEYS, SCREEN_KEYS } from './KeyHelp.js';
import { KeyRouter, KeyRouterContext, useKeys } from './keyRouter.js';
import { Preview } from './Preview.js';
import { ResultPanel, type ResultState } from './ResultPanel.js';
import { SessionPanel } from './SessionPanel.js';
import { StatusLine } from './StatusLine.js';
import { TextForm } from './TextForm.js';
import type { PreviewCanvas } from './previewCanvas.js';
import type { FrameRenderer } from './useCameraPreview.js';
import { useOutboxStatus } from './useOutboxStatus.js';
import { whyKeyCannotAct } from './whyKeyCannotAct.js';

export interface AppProps {
  camera: CameraSource;
  /** Takes, classifies and logs a still; owns the session being logged. Undefined while the model loads. */
  flow?: CaptureFlow;
  model?: ModelInfo;
  /** Shown as the session to come while the model loads. */
  plan?: SessionPlan;
  store: SessionLog;
  renderFrame: FrameRenderer;
  /** Where the live preview is painted. */
  canvas: PreviewCanvas;
  previewIntervalMs?: number;
  /** Sends captures to the clinic's PACS; its state is shown in the status line. */
  outbox?: BackgroundSender;
  /** Called once when the operator quits, after the app has stopped drawing. */
  onQuit?: () => void;
}

/** Below this the screens do not fit: the app says so instead of drawing a broken frame. */
export const MIN_COLUMNS = 64;
export const MIN_ROWS = 20;

type Mode =
  | { name: 'main' | 'new-session' | 'confirm-retake' | 'history' | 'help' }
  | { name: 'note' | 'explain'; capture: Capture }
  | { name: 'lesions'; capture?: Capture }
  | { name: 'lesion'; lesion: Lesion; capture?: Capture };

const terminalSize = (stdout: NodeJS.WriteStream) => ({ columns: stdout.columns || 100, rows: stdout.rows || 30 });

function useTerminalSize() {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => terminalSize(stdout));
  useEffect(() => {
    const onResize = () => setSize(terminalSize(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** 16 preview frames a second, so that timer jitter and the odd slow frame still leave 15 on screen. */
const PREVIEW_INTERVAL_MS = 1000 / 16;

export function App({ camera, flow, model, plan, store, renderFrame, canvas, previewIntervalMs = PREVIEW_INTERVAL_MS, outbox, onQuit }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  // the flow holds the session; this only asks for a new frame when it changed
  const [, sessionChanged] = useReducer((count: number) => count + 1, 0);
  const [last, setLast] = useState<Capture>();
  const [phase, setPhase] = useState<{ status: 'idle' | 'classifying' } | { status: 'error'; message: string }>({ status: 'idle' });
  const [mode, setMode] = useState<Mode>({ name: 'main' });
  const modeName = useRef(mode.name);
  const [router] = useState(() => new KeyRouter());
  const [message, setMessage] = useState<string>();
  const [cameraState, setCameraState] = useState<{ ok: boolean; problem?: string }>({ ok: false });
  const outboxStatus = useOutboxStatus(outbox);
  // the preview starts afresh after another screen: "starting" again would only be noise once the camera has worked
  const keepCameraState = useCallback(
    (state: { ok: boolean; problem?: string }) => setCameraState((previous) => (state.ok || state.problem || !previous.ok ? state : previous)),
    [],
  );
  const session = flow?.session;
  const result: ResultState = !flow ? { status: 'loading' } : phase.status !== 'idle' ? phase : last ? { status: 'done', verdict: verdictOf(last) } : phase;
  const keys =
    mode.name === 'main' ? MAIN_KEYS.map((hint) => ({ ...hint, enabled: isAvailable(hint.key) }))
    : mode.name === 'new-session' || mode.name === 'note' ? SCREEN_KEYS.form
    : mode.name === 'confirm-retake' ? SCREEN_KEYS.confirm
    : SCREEN_KEYS[mode.name];

  // wide terminals give the picture more than half; narrow ones leave the text its room
  const previewColumns = Math.floor(columns * (columns >= 120 ? 0.55 : 0.45));
  const previewRows = Math.max(6, rows - headerLines(columns) - 1 - keyHelpLines(keys, columns) - 1);
  const panelColumns = columns - previewColumns - 2;

  const capturing = useRef(false); // a ref, not state: a second space may arrive before the next render
  // a capture asked for while the model loads is taken as soon as it is ready
  const captureWaiting = useRef(false);
  useEffect(() => {
    if (!flow || !captureWaiting.current) return;
    captureWaiting.current = false;
    void captureAndClassify(flow);
  }, [flow]);

  function isAvailable(key: string): boolean {
    if (key === 'r' || key === 'b' || key === 'x') return last !== undefined;
    if (key === 'l') return last !== undefined || Boolean(flow?.patientOf(undefined));
    if (key === 'e') return session !== undefined;
    return true;
  }

  async function captureAndClassify(live: CaptureFlow): Promise<void> {
    capturing.current = true;
    setPhase({ status: 'classifying' });
    setMessage(undefined);
    const outcome = await live.capture();
    if (outcome.kind === 'failed') setPhase({ status: 'error', message: outcome.message });
    else {
      setLast(outcome.capture);
      setPhase({ status: 'idle' });
      sessionChanged();
    }
    capturing.current = false;
  }

  async function exportSession(): Promise<void> {
    if (!session) return; // e is unavailable until the session's first capture
    try {
      setMessage(`Exported to ${await writeSessionCsv(store, session.id)}`);
    } catch (error) {
      setMessage(`Export failed: ${(error as Error).message}`);
    }
  }

  /** Changes the screen; keys that come before the next screen is drawn are kept for it. */
  function go(next: Mode): void {
    if (next.name === modeName.current) return setMode(next);
    modeName.current = next.name;
    router.hold();
    setMode(next);
  }
  const back = () => go({ name: 'main' });

  /** Runs a change to the log from a form; a failure is shown in its sentence and the app stays up. */
  async function saveOrSay(save: () => Promise<void>): Promise<void> {
    try {
      await save();
    } catch (error) {
      setMessage(error instanceof UserError ? error.message : `Not saved: ${(error as Error).message}`);
    }
    back();
  }

  /** Shows where the model looked in a capture, once the model (which computes it) is loaded. */
  function explainOrSay(capture: Capture): void {
    if (!flow) return setMessage('The model is still loading: press x again when it is ready.');
    go({ name: 'explain', capture });
  }
  const explainCapture = useCallback((capture: Capture, onProgress: (done: number) => void) => flow!.explain(capture, onProgress), [flow]);

  /** Attaches a capture (and the session's next ones) to the lesion the operator chose, and says so. */
  function followLesion(capture: Capture | undefined, choice: LesionChoice): Promise<void> {
    return saveOrSay(async () => {
      if (!flow) throw new UserError('The model is still loading: press l again when it is ready.');
      const { lesion, capture: attached } = await flow.follow(capture, choice);
      if (attached && attached.id === last?.id) setLast(attached);
      const joins = flow.followedLesion?.id === lesion.id ? '; the next captures of this session join it' : '';
      setMessage(attached ? `Capture ${attached.id} is a visit of lesion ${lesion.label}${joins}.` : `The next captures of this session join lesion ${lesion.label}.`);
    });
  }

  function quit(): void {
    exit();
    onQuit?.();
  }

  const formOpen = mode.name === 'new-session' || mode.name === 'note';
  // one subscription for the whole app; the router hands each key to the screen on view
  useInput((input, key) => {
    // forms handle Ctrl+C themselves: they ask first when something was typed
    if (key.ctrl && input === 'c' && !formOpen) return quit();
    router.dispatch(input, key);
  });
  useKeys(
    (input, key) => {
      if (input === 'q') return quit();
      // Esc closes a screen elsewhere; here, where there is nothing to close, it must not quit
      if (key.escape) return setMessage('q quits.');
      // one capture at a time: a key pressed meanwhile is not kept for later, and the operator is told so
      if (capturing.current) return setMessage('Busy classifying: press the key again when the result is shown.');
      const unavailable = MAIN_KEYS.find((hint) => hint.key === (input === ' ' ? 'space' : input) && !isAvailable(hint.key));
      if (unavailable) return setMessage(whyKeyCannotAct(unavailable.key, session !== undefined));
      if (input === ' ' && !flow) {
        captureWaiting.current = true;
        setMessage('The model is still loading: the capture will be taken as soon as it is ready.');
      } else if (input === ' ' && flow) void captureAndClassify(flow);
      else if (input === 'r') go({ name: 'confirm-retake' });
      else if (input === 'n') go({ name: 'new-session' });
      else if (input === 'b' && last) go({ name: 'note', capture: last });
      else if (input === 'x' && last) explainOrSay(last);
      else if (input === 'l') go({ name: 'lesions', capture: last });
      else if (input === 'h') go({ name: 'history' });
      else if (input === 'e') void exportSession();
      else if (input === '?') go({ name: 'help' });
    },
    { isActive: mode.name === 'main', router },
  );

  const thumbnailColumns = Math.min(48, columns - HISTORY_LISTS_WIDTH);
  const thumbnailRows = Math.min(24, rows - 8);
  const thumbnail = useCallback(
    async (file: string) => renderFrame(await readFile(file), thumbnailColumns, thumbnailRows),
    [renderFrame, thumbnailColumns, thumbnailRows],
  );

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <Box flexDirection="column">
        <Text color="yellow">
          The terminal is {columns}x{rows}; dermacam needs at least {MIN_COLUMNS}x{MIN_ROWS}. Enlarge it, or press q to quit.
        </Text>
      </Box>
    );
  }

  let panel: ReactElement;
  if (mode.name === 'new-session' && flow) {
    panel = (
      <TextForm
        title="New session (logged at its first capture)"
        fields={[
          { key: 'operator', label: 'Operator', value: flow.sessionPlan.operator, required: true },
          { key: 'patient', label: 'Patient ref', hint: 'pseudonymous code, never a name (optional)', check: patientRefProblem },
        ]}
        onCancel={back}
        onQuit={quit}
        onSubmit={(values) => {
          flow.planSession({ operator: values.operator!, patientRef: values.patient });
          setLast(undefined);
          setPhase({ status: 'idle' });
          setMessage(undefined);
          back();
        }}
      />
    );
  } else if (mode.name === 'note') {
    const { capture } = mode;
    panel = (
      <TextForm
        title={`Body site and note, capture ${capture.id}`}
        fields={[
          {
            key: 'body_site',
            label: 'Body site',
            value: capture.body_site ?? '',
            suggest: bodySitesMatching,
            hint: 'Tab completes a listed site',
          },
          { key: 'note', label: 'Note', value: capture.note ?? '' },
        ]}
        onCancel={back}
        onQuit={quit}
        onSubmit={(values) =>
          saveOrSay(async () => {
            const updated = (await store.annotate(capture.id, values))!;
            if (capture.id === last?.id) setLast(updated);
            setMessage(`Saved the body site and note of capture ${capture.id}.`);
          })
        }
      />
    );
  } else if (mode.name === 'lesions') {
    const { capture } = mode;
    panel = (
      <LesionsPanel
        store={store}
        patientRef={flow?.patientOf(capture) ?? (capture ? store.session(capture.session_id)?.patient_ref : undefined) ?? ''}
        capture={capture}
        onChoose={(choice) => followLesion(capture, choice)}
        onOpen={(lesion) => go({ name: 'lesion', lesion, capture })}
        onClose={back}
      />
    );
  } else if (mode.name === 'lesion') {
    panel = <LesionView store={store} lesion={mode.lesion} draw={renderFrame} columns={panelColumns} rows={previewRows} onClose={() => go({ name: 'lesions', capture: mode.capture })} />;
  } else if (mode.name === 'explain') {
    panel = <ExplainPanel capture={mode.capture} explain={explainCapture} draw={renderFrame} columns={panelColumns} rows={Math.max(4, previewRows - 5)} onClose={back} />;
  } else if (mode.name === 'confirm-retake' && last) {
    panel = (
      <ConfirmPrompt
        question={`Withdraw capture ${last.id} and delete its image? The log keeps a note of the withdrawal.`}
        onAnswer={(yes) =>
          saveOrSay(async () => {
            if (!yes) return;
            await store.withdrawCapture(last.id, 'retake');
            setLast(undefined);
            setMessage(`Capture ${last.id} withdrawn: press space to retake.`);
            flow?.refreshSession();
            sessionChanged();
          })
        }
      />
    );
  } else {
    panel = (
      <>
        <ResultPanel state={result} width={panelColumns} />
        <Box marginTop={1}>
          <SessionPanel session={session} plan={flow?.sessionPlan ?? plan} followed={flow?.followedLesion} />
        </Box>
      </>
    );
  }

  return (
    // one line short of the terminal: a full-height Ink app clears the whole terminal on every update
    <KeyRouterContext.Provider value={router}>
    <Box flexDirection="column" width={columns} height={rows - 1} overflow="hidden">
      <Header camera={camera.description} />
      {mode.name === 'help' ? (
        <Box flexGrow={1}>
          <HelpPanel onClose={back} />
        </Box>
      ) : mode.name === 'history' ? (
        <Box flexGrow={1}>
          <History
            source={store}
            thumbnail={thumbnailColumns >= 16 ? thumbnail : undefined}
            onClose={back}
            onAnnotate={(capture) => go({ name: 'note', capture })}
            onExplain={explainOrSay}
            onLesions={(capture) => go({ name: 'lesions', capture })}
          />
        </Box>
      ) : (
        <Box flexGrow={1}>
          <Preview
            camera={camera}
            renderFrame={renderFrame}
            canvas={canvas}
            columns={previewColumns}
            rows={previewRows}
            intervalMs={previewIntervalMs}
            onCameraState={keepCameraState}
          />
          <Box flexDirection="column" marginLeft={2} width={panelColumns}>
            {panel}
          </Box>
        </Box>
      )}
      <StatusLine message={message} camera={cameraState.ok ? 'ok' : cameraState.problem ? 'no picture' : 'starting'} dataDir={store.dataDir} outbox={outboxStatus} model={model ? `${model.modelId} · ${model.backend}` : 'model loading'} />
      <KeyHelp keys={keys} />
    </Box>
    </KeyRouterContext.Provider>
  );
}
