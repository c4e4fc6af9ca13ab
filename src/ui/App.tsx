import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { readFile } from 'node:fs/promises';
import { useEffect, useReducer, useRef, useState, type ReactElement } from 'react';
import type { CameraSource } from '../camera/source.js';
import type { CaptureFlow } from '../capture/captureFlow.js';
import { verdictOf } from '../capture/verdict.js';
import type { ModelInfo } from '../classifier/workerClient.js';
import { UserError } from '../errors.js';
import { writeSessionCsv } from '../store/exportFile.js';
import type { Capture, SessionLog } from '../store/sessionLog.js';
import { ConfirmPrompt } from './ConfirmPrompt.js';
import { Header } from './Header.js';
import { History, HISTORY_LISTS_WIDTH } from './History.js';
import { KeyHelp, MAIN_KEYS } from './KeyHelp.js';
import { Preview } from './Preview.js';
import { ResultPanel, type ResultState } from './ResultPanel.js';
import { SessionPanel } from './SessionPanel.js';
import { TextForm } from './TextForm.js';
import type { PreviewCanvas } from './previewCanvas.js';
import type { FrameRenderer } from './useCameraPreview.js';

export interface AppProps {
  camera: CameraSource;
  /** Takes, classifies and logs a still; owns the session being logged. */
  flow: CaptureFlow;
  model: ModelInfo;
  store: SessionLog;
  renderFrame: FrameRenderer;
  /** Where the live preview is painted. */
  canvas: PreviewCanvas;
  previewIntervalMs?: number;
  /** Called once when the operator quits, after the app has stopped drawing. */
  onQuit?: () => void;
}

type Mode = 'main' | 'new-session' | 'note' | 'confirm-retake' | 'history';

function useTerminalSize() {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 100, rows: stdout.rows || 30 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

export function App({ camera, flow, model, store, renderFrame, canvas, previewIntervalMs = 66, onQuit }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  // the flow holds the session; this only asks for a new frame when it changed
  const [, sessionChanged] = useReducer((count: number) => count + 1, 0);
  const [last, setLast] = useState<Capture>();
  const [phase, setPhase] = useState<{ status: 'idle' | 'classifying' } | { status: 'error'; message: string }>({ status: 'idle' });
  const [mode, setMode] = useState<Mode>('main');
  const [message, setMessage] = useState<string>();
  const session = flow.session;
  const result: ResultState = phase.status !== 'idle' ? phase : last ? { status: 'done', verdict: verdictOf(last) } : phase;

  const previewColumns = Math.max(20, Math.floor(columns * 0.55));
  const previewRows = Math.max(8, rows - 8); // header (2-3 lines), key help (1-2 lines) and Ink's last line

  const capturing = useRef(false); // a ref, not state: a second space may arrive before the next render

  async function captureAndClassify(): Promise<void> {
    capturing.current = true;
    setPhase({ status: 'classifying' });
    setMessage(undefined);
    const outcome = await flow.capture();
    if (outcome.kind === 'failed') setPhase({ status: 'error', message: outcome.message });
    else {
      setLast(outcome.capture);
      setPhase({ status: 'idle' });
      sessionChanged();
    }
    capturing.current = false;
  }

  async function exportSession(): Promise<void> {
    if (!session) return setMessage('Nothing to export yet: a session starts at its first capture.');
    try {
      setMessage(`Exported to ${await writeSessionCsv(store, session.id)}`);
    } catch (error) {
      setMessage(`Export failed: ${(error as Error).message}`);
    }
  }

  /** Runs a change to the log from a form; a failure is shown in its sentence and the app stays up. */
  async function saveOrSay(save: () => Promise<void>): Promise<void> {
    try {
      await save();
    } catch (error) {
      setMessage(error instanceof UserError ? error.message : `Not saved: ${(error as Error).message}`);
    }
    back();
  }

  function quit(): void {
    exit();
    onQuit?.();
  }

  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) return quit();
      // one capture at a time: a key pressed meanwhile is not kept for later, and the operator is told so
      if (capturing.current) return setMessage('Busy classifying: press the key again when the result is shown.');
      if (input === ' ') void captureAndClassify();
      else if (input === 'r' && last) setMode('confirm-retake');
      else if (input === 'n') setMode('new-session');
      else if (input === 'b' && last) setMode('note');
      else if (input === 'h') setMode('history');
      else if (input === 'e') void exportSession();
    },
    { isActive: mode === 'main' },
  );
  // forms handle Ctrl+C themselves: they ask first when something was typed
  useInput((input, key) => key.ctrl && input === 'c' && quit(), { isActive: mode === 'confirm-retake' || mode === 'history' });

  const back = () => setMode('main');
  let overlay: ReactElement | undefined;
  if (mode === 'new-session') {
    overlay = (
      <TextForm
        title="New session"
        fields={[
          { key: 'operator', label: 'Operator', value: flow.sessionPlan.operator, required: true },
          { key: 'patient', label: 'Patient reference', hint: 'pseudonymous code, never a name (optional)' },
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
  } else if (mode === 'note' && last) {
    overlay = (
      <TextForm
        title={`Body site and note for capture ${last.id}`}
        fields={[
          { key: 'body_site', label: 'Body site', value: last.body_site ?? '' },
          { key: 'note', label: 'Note', value: last.note ?? '' },
        ]}
        onCancel={back}
        onQuit={quit}
        onSubmit={(values) =>
          saveOrSay(async () => {
            setLast((await store.annotate(last.id, values))!);
          })
        }
      />
    );
  } else if (mode === 'confirm-retake' && last) {
    overlay = (
      <ConfirmPrompt
        question={`Withdraw capture ${last.id} and delete its image? The log keeps a note of the withdrawal.`}
        onAnswer={(yes) =>
          saveOrSay(async () => {
            if (!yes) return;
            await store.withdrawCapture(last.id, 'retake');
            setLast(undefined);
            setMessage(`Capture ${last.id} withdrawn: press space to retake.`);
            flow.refreshSession();
            sessionChanged();
          })
        }
      />
    );
  } else if (mode === 'history') {
    const thumbnailColumns = Math.min(48, columns - HISTORY_LISTS_WIDTH);
    const thumbnail = async (file: string) => renderFrame(await readFile(file), thumbnailColumns, Math.min(24, rows - 8));
    overlay = <History source={store} thumbnail={thumbnailColumns >= 16 ? thumbnail : undefined} onClose={back} />;
  }

  return (
    // one line short of the terminal: a full-height Ink app clears the whole terminal on every update
    <Box flexDirection="column" width={columns} height={rows - 1} overflow="hidden">
      <Header camera={camera.description} />
      {mode === 'history' ? (
        overlay
      ) : (
        <Box flexGrow={1}>
          <Preview
            camera={camera}
            renderFrame={renderFrame}
            canvas={canvas}
            columns={previewColumns}
            rows={previewRows}
            // slower while a capture is classified: the workers need the cores more than the preview does
            intervalMs={result.status === 'classifying' ? 4 * previewIntervalMs : previewIntervalMs}
          />
          <Box flexDirection="column" marginLeft={2} flexGrow={1}>
            <Text bold underline>Result</Text>
            <ResultPanel state={result} width={columns - previewColumns - 4} />
            <Box marginTop={1}>
              <SessionPanel session={session} plan={flow.sessionPlan} />
            </Box>
            <Text dimColor>model {model.modelId} · {model.backend}</Text>
            {overlay}
            {message && <Text color="cyan">{message}</Text>}
          </Box>
        </Box>
      )}
      <KeyHelp keys={MAIN_KEYS} />
    </Box>
  );
}
