import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { CaptureFlow, LesionChoice, SessionPlan } from '../capture/captureFlow.js';
import { UserError } from '../errors.js';
import type { Capture } from '../store/sessionLog.js';

/** What a key pressed while a capture is classified gets: it is not kept, since the last capture is about to change. */
export const busyMessage = (key: string) => `Busy classifying: press ${key} again when the result is shown.`;

export type CapturePhase = { status: 'idle' | 'classifying' } | { status: 'error'; message: string };

/**
 * The operator's session as the screens see it: the last capture, whether one is being
 * classified, and the last thing said. Every change to the log goes through the capture flow;
 * a failure is said in one sentence and the app stays up.
 */
export function useCaptureSession(flow: CaptureFlow, ready: boolean) {
  // the flow holds the session; this only asks for a new frame when it changed
  const [, changed] = useReducer((count: number) => count + 1, 0);
  const [last, setLastState] = useState<Capture>();
  const lastRef = useRef(last);
  const setLast = (capture: Capture | undefined) => {
    lastRef.current = capture;
    setLastState(capture);
  };
  const [phase, setPhase] = useState<CapturePhase>({ status: 'idle' });
  const [message, say] = useState<string>();
  // refs, not state: a second key may arrive before the next render
  const busy = useRef(false);
  const waiting = useRef(false); // a capture asked for while the model loads is taken as soon as it is ready
  const busyNote = useRef<string | undefined>(undefined);
  /** Says something that holds only while the capture in flight is classified. */
  const sayWhileBusy = (text: string) => {
    busyNote.current = text;
    say(text);
  };

  async function capture(): Promise<void> {
    if (busy.current) return sayWhileBusy(busyMessage('space'));
    if (!flow.sessionPlan.operator) return say('No operator yet: press n and give your name, then space.');
    if (!flow.ready) {
      waiting.current = true;
      return say('The model is still loading: the capture will be taken as soon as it is ready.');
    }
    busy.current = true;
    setPhase({ status: 'classifying' });
    say(undefined);
    const outcome = await flow.capture();
    if (outcome.kind === 'failed') setPhase({ status: 'error', message: outcome.message });
    else {
      setLast(outcome.capture);
      setPhase({ status: 'idle' });
    }
    busy.current = false;
    // what was said about the capture in flight is out of date once its result shows
    const note = busyNote.current;
    busyNote.current = undefined;
    say((said) => (said === note ? undefined : said));
    changed();
  }
  useEffect(() => {
    if (!ready || !waiting.current) return;
    waiting.current = false;
    void capture();
  }, [ready]); // eslint-disable-line react-hooks/exhaustive-deps -- only the model's arrival takes the waiting capture

  /** Runs a change to the log and says how it went. */
  async function change(run: () => Promise<string>, failure = 'Not saved'): Promise<void> {
    try {
      say(await run());
    } catch (error) {
      say(error instanceof UserError ? error.message : `${failure}: ${(error as Error).message}`);
    }
    changed();
  }

  return {
    last,
    /** The last capture as of now, not of the last render: a key may arrive in between. */
    lastNow: () => lastRef.current,
    phase,
    message,
    say,
    sayWhileBusy,
    busy: () => busy.current,
    session: flow.session,
    plan: flow.sessionPlan,
    followed: flow.followedLesion,
    capture,
    retake: (withdrawn: Capture) =>
      change(async () => {
        await flow.withdraw(withdrawn, 'retake');
        if (lastRef.current?.id === withdrawn.id) setLast(undefined);
        return `Capture ${withdrawn.id} withdrawn: press space to retake.`;
      }),
    annotate: (capture: Capture, values: { body_site?: string; note?: string }) =>
      change(async () => {
        const updated = await flow.annotate(capture, values);
        if (lastRef.current?.id === capture.id) setLast(updated);
        return `Saved the body site and note of capture ${capture.id}.`;
      }),
    follow: (capture: Capture | undefined, choice: LesionChoice) =>
      change(async () => {
        const { lesion, capture: attached } = await flow.follow(capture, choice);
        if (attached && attached.id === lastRef.current?.id) setLast(attached);
        if (!attached) return `The next captures of this session join lesion ${lesion.label}.`;
        const joins = flow.followedLesion?.id === lesion.id ? '; the next captures of this session join it' : '';
        return `Capture ${attached.id} is a visit of lesion ${lesion.label}${joins}.`;
      }),
    exportSession: () => change(async () => `Exported to ${await flow.exportSession()}`, 'Export failed'),
    planSession: (plan: SessionPlan) => {
      flow.planSession(plan);
      setLast(undefined);
      setPhase({ status: 'idle' });
      say(plan.patientRef?.trim() ? undefined : 'No patient reference: the session gets a generated code (DERMACAM-…) at its first capture.');
    },
    explain: useCallback((capture: Capture, onProgress: (done: number) => void) => flow.explain(capture, onProgress), [flow]),
    picture: useCallback((capture: Capture) => flow.picture(capture), [flow]),
  };
}

export type CaptureSession = ReturnType<typeof useCaptureSession>;
