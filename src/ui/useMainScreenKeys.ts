import type { CaptureFlow } from '../capture/captureFlow.js';
import type { Capture } from '../store/sessionLog.js';
import { useScreenKeys, type KeyRouter } from './keyRouter.js';
import { KEYMAP, type ActionOf } from './keymap.js';
import { busyMessage, type CaptureSession } from './useCaptureSession.js';
import type { Screen, useScreens } from './useScreens.js';
import { whyKeyCannotAct } from './whyKeyCannotAct.js';

/** Whether an action of the screen on view can act now: the key bar dims those that cannot. */
export function canActNow(screen: Screen, session: CaptureSession, flow: CaptureFlow): (action: string) => boolean {
  return (action) => {
    if (screen.name === 'history' && ['annotate', 'explain', 'lesions'].includes(action)) return screen.selected?.withdrawn_at === null;
    if (screen.name !== 'main') return true;
    if (action === 'retake' || action === 'annotate' || action === 'explain') return session.last !== undefined;
    if (action === 'lesions') return session.last !== undefined || Boolean(flow.patientOf(undefined));
    if (action === 'export') return session.session !== undefined;
    return true;
  };
}

/** The actions that act on the last capture, the session or the log: during a capture they would act on what is about to change. */
const WAIT_FOR_THE_RESULT: ActionOf<'main'>[] = ['retake', 'new-session', 'annotate', 'explain', 'lesions', 'history', 'export'];

const STILL_CLASSIFYING = 'Still classifying: press q again to quit without this capture.';

/** The main screen's keys: each opens a screen or acts through the capture session, or says why it cannot. */
export function useMainScreenKeys({
  screens,
  session,
  canAct,
  quit,
  router,
}: {
  screens: ReturnType<typeof useScreens>;
  session: CaptureSession;
  canAct: (action: string) => boolean;
  quit: () => void;
  router: KeyRouter;
}): void {
  const sessionStarted = session.session !== undefined;
  /** Opens a screen on the last capture, or says why there is none. */
  const onLast = (key: string, open: (capture: Capture) => Screen) => () => {
    const last = session.lastNow();
    return last ? screens.open(open(last)) : session.say(whyKeyCannotAct(key, sessionStarted));
  };
  const handlers: Record<ActionOf<'main'>, () => void> = {
    capture: () => void session.capture(),
    retake: onLast('r', (capture) => ({ name: 'confirm-retake', capture })),
    'new-session': () => screens.open({ name: 'new-session' }),
    annotate: onLast('b', (capture) => ({ name: 'note', capture })),
    explain: onLast('x', (capture) => ({ name: 'explain', capture })),
    lesions: () => (canAct('lesions') ? screens.open({ name: 'lesions', capture: session.lastNow() }) : session.say(whyKeyCannotAct('l', sessionStarted))),
    history: () => screens.open({ name: 'history' }),
    export: () => (canAct('export') ? void session.exportSession() : session.say(whyKeyCannotAct('e', sessionStarted))),
    help: () => screens.open({ name: 'help' }),
    // quitting ends the classification in flight: the operator is told, and asked again, rather than losing it unawares
    quit: () => (session.busy() && session.message !== STILL_CLASSIFYING ? session.sayWhileBusy(STILL_CLASSIFYING) : quit()),
    'say-how-to-quit': () => session.say('q quits.'),
  };
  for (const action of WAIT_FOR_THE_RESULT) {
    const act = handlers[action];
    const key = KEYMAP.main.find((binding) => binding.action === action)!.label;
    handlers[action] = () => (session.busy() ? session.sayWhileBusy(busyMessage(key)) : act());
  }
  useScreenKeys('main', handlers, { isActive: screens.screen.name === 'main', router });
}
