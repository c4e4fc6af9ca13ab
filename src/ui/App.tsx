import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { readFile } from 'node:fs/promises';
import { useCallback, useEffect, useRef, useState, type ReactElement } from 'react';
import type { CameraSource } from '../camera/source.js';
import type { ImageClassifier } from '../classifier/workerClient.js';
import { UserError } from '../errors.js';
import { writeSessionCsv } from '../store/exportFile.js';
import type { Capture, Session, SessionLog } from '../store/sessionLog.js';
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
  classifier: ImageClassifier;
  store: SessionLog;
  /** The session the app opens with, started before the app is drawn. */
  session: Session;
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

export function App({ camera, classifier, store, session: firstSession, renderFrame, canvas, previewIntervalMs = 66, onQuit }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const [session, setSession] = useState<Session>(firstSession);
  const [result, setResult] = useState<ResultState>({ status: 'idle' });
  const [last, setLast] = useState<Capture>();
  const [mode, setMode] = useState<Mode>('main');
  const [message, setMessage] = useState<string>();

  const previewColumns = Math.max(20, Math.floor(columns * 0.55));
  const previewRows = Math.max(8, rows - 8); // header (2-3 lines), key help (1-2 lines) and Ink's last line
  const refreshSession = useCallback((id: string) => setSession(store.session(id)!), [store]);

  const capturing = useRef(false); // a ref, not state: a second space may arrive before the next render

  async function captureAndClassify(): Promise<void> {
    if (capturing.current) return;
    capturing.current = true;
    setResult({ status: 'classifying' });
    setMessage(undefined);
    try {
      const jpeg = await camera.capture();
      const { info } = classifier;
      const base = { model_name: info.modelName, model_sha256: info.modelSha256, backend: info.backend, threshold: info.threshold };
      // a still that cannot be classified is still kept in the log, marked as rejected
      const outcome = await classifier.classify(jpeg).then(
        (p) => ({ ...base, p_malignant: p.p_malignant, label: p.label, latency_ms: p.ms, quality: p.quality }),
        (error: Error) => ({ ...base, p_malignant: null, label: 'rejected' as const, latency_ms: null, quality: { ok: false, reasons: [error.message] } }),
      );
      const capture = await store.addCapture(session.id, jpeg, outcome);
      setLast(capture);
      setResult({ status: 'done', capture });
      refreshSession(session.id);
    } catch (error) {
      // camera and store errors already say what happened in a sentence for the operator
      setResult({ status: 'error', message: error instanceof UserError ? error.message : `Capture failed: ${(error as Error).message}` });
    } finally {
      capturing.current = false;
    }
  }

  async function exportSession(): Promise<void> {
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
      if (capturing.current) return; // one capture at a time; other keys wait for its result
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
          { key: 'operator', label: 'Operator', value: session.operator, required: true },
          { key: 'patient', label: 'Patient reference', hint: 'pseudonymous code, never a name (optional)' },
        ]}
        onCancel={back}
        onQuit={quit}
        onSubmit={(values) =>
          saveOrSay(async () => {
            setSession(await store.startSession(values.operator!, values.patient));
            setLast(undefined);
            setResult({ status: 'idle' });
          })
        }
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
            const updated = (await store.annotate(last.id, values))!;
            setLast(updated);
            setResult({ status: 'done', capture: updated });
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
            setResult({ status: 'idle' });
            setMessage(`Capture ${last.id} withdrawn: press space to retake.`);
            refreshSession(session.id);
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
              <SessionPanel session={session} />
            </Box>
            <Text dimColor>model {classifier.info.modelId} · {classifier.info.backend}</Text>
            {overlay}
            {message && <Text color="cyan">{message}</Text>}
          </Box>
        </Box>
      )}
      <KeyHelp keys={MAIN_KEYS} />
    </Box>
  );
}
