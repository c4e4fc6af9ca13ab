import { Box } from 'ink';
import type { ReactElement } from 'react';
import { bodySitesMatching, describeBodySite } from '../bodySites.js';
import type { CaptureFlow } from '../capture/captureFlow.js';
import { verdictOf } from '../capture/verdict.js';
import { patientRefProblem } from '../patientRef.js';
import type { Capture, SessionLog } from '../store/sessionLog.js';
import { ConfirmPrompt } from './ConfirmPrompt.js';
import { ExplainPanel } from './ExplainPanel.js';
import { HelpPanel } from './HelpPanel.js';
import { History } from './History.js';
import type { Layout } from './layout.js';
import { LesionsPanel } from './LesionsPanel.js';
import { LesionView } from './LesionView.js';
import { ResultPanel, type ResultState } from './ResultPanel.js';
import { SessionPanel } from './SessionPanel.js';
import { TextForm } from './TextForm.js';
import type { CaptureSession } from './useCaptureSession.js';
import type { FrameRenderer } from './useCameraPreview.js';
import type { Screen, useScreens } from './useScreens.js';

export interface ScreenBodyProps {
  screens: ReturnType<typeof useScreens>;
  session: CaptureSession;
  flow: CaptureFlow;
  /** Read only: the views list what the log holds, and change it through the session's actions. */
  store: Pick<SessionLog, 'sessions' | 'captures' | 'now' | 'lesions' | 'capturesOfLesion'>;
  ready: boolean;
  layout: Layout;
  drawPicture: (capture: Capture, columns: number, rows: number) => Promise<string>;
  renderFrame: FrameRenderer;
  /** The live preview, left of the screens that leave it room. */
  preview: ReactElement;
  onQuit: () => void;
}

/** Screens that take the whole width; the others sit right of the live preview. */
export const FULL_WIDTH: ReadonlySet<Screen['name']> = new Set(['help', 'history', 'explain', 'lesion']);

/** The screen on view, in the room the layout gives it. */
export function ScreenBody({ screens, session, flow, store, ready, layout, drawPicture, renderFrame, preview, onQuit }: ScreenBodyProps) {
  const { screen, open, back } = screens;
  const { columns, bodyRows: rows, panelColumns } = layout;
  const after = (change: Promise<void>) => void change.then(back);
  if (screen.name === 'help') return <HelpPanel columns={columns} onClose={back} />;
  if (screen.name === 'history') {
    return (
      <History
        source={store}
        columns={columns}
        rows={rows}
        at={screen.at}
        drawPicture={drawPicture}
        onMove={(at, selected) => screens.update({ name: 'history', at, selected })}
        onAct={(action, capture) => open(action === 'annotate' ? { name: 'note', capture } : action === 'explain' ? { name: 'explain', capture } : { name: 'lesions', capture })}
        onSay={session.say}
        onClose={back}
      />
    );
  }
  if (screen.name === 'explain') {
    return <ExplainPanel capture={screen.capture} explain={session.explain} draw={renderFrame} columns={columns} rows={rows} onClose={back} />;
  }
  if (screen.name === 'lesion') return <LesionView store={store} lesion={screen.lesion} drawPicture={drawPicture} columns={columns} rows={rows} onClose={back} />;

  let panel: ReactElement;
  if (screen.name === 'new-session') {
    panel = (
      <TextForm
        title="New session (logged at its first capture)"
        fields={[
          { key: 'operator', label: 'Operator', value: flow.sessionPlan.operator, required: true, hint: 'who is capturing, as the log records it' },
          { key: 'patient', label: 'Patient ref', hint: 'a pseudonymous code, never a name; blank: one is made', check: patientRefProblem },
        ]}
        width={panelColumns}
        onCancel={back}
        onQuit={onQuit}
        onSubmit={(values) => {
          session.planSession({ operator: values.operator!, patientRef: values.patient });
          back();
        }}
      />
    );
  } else if (screen.name === 'note') {
    const { capture } = screen;
    panel = (
      <TextForm
        title={`Body site and note, capture ${capture.id}`}
        fields={[
          { key: 'body_site', label: 'Body site', value: capture.body_site ?? '', suggest: bodySitesMatching, describe: describeBodySite, hint: 'Tab completes a listed site' },
          { key: 'note', label: 'Note', value: capture.note ?? '' },
        ]}
        width={panelColumns}
        onCancel={back}
        onQuit={onQuit}
        onSubmit={(values) => after(session.annotate(capture, values))}
      />
    );
  } else if (screen.name === 'lesions') {
    const { capture } = screen;
    panel = (
      <LesionsPanel
        store={store}
        patientRef={flow.patientOf(capture) ?? ''}
        capture={capture}
        onChoose={(choice) => after(session.follow(capture, choice))}
        onOpen={(lesion) => open({ name: 'lesion', lesion })}
        onClose={back}
      />
    );
  } else if (screen.name === 'confirm-retake') {
    const { capture } = screen;
    panel = (
      <ConfirmPrompt
        question={`Withdraw capture ${capture.id} and delete its image? The log keeps a note of the withdrawal.`}
        width={panelColumns}
        onAnswer={(yes) => (yes ? after(session.retake(capture)) : back())}
      />
    );
  } else {
    const { phase, last } = session;
    const result: ResultState = !ready ? { status: 'loading' } : phase.status !== 'idle' ? phase : last ? { status: 'done', verdict: verdictOf(last) } : phase;
    panel = (
      <>
        <ResultPanel state={result} width={panelColumns} />
        <Box marginTop={1} flexShrink={0}>
          <SessionPanel session={session.session} plan={session.plan} followed={session.followed} />
        </Box>
      </>
    );
  }
  return (
    <Box height={rows} overflow="hidden">
      {preview}
      <Box flexDirection="column" marginLeft={2} width={panelColumns} height={rows} overflow="hidden">
        {panel}
      </Box>
    </Box>
  );
}
