import type { CaptureFlow } from '../capture/captureFlow.js';
import type { Capture } from '../store/sessionLog.js';
import { useScreenKeys, type KeyRouter } from './keyRouter.js';
import type { CaptureSession } from './useCaptureSession.js';
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
  const { last } = session;
  const sessionStarted = session.session !== undefined;
  /** Opens a screen on the last capture, or says why there is none. */
  const onLast = (key: string, open: (capture: Capture) => Screen) => () => (last ? screens.open(open(last)) : session.say(whyKeyCannotAct(key, sessionStarted)));
  useScreenKeys(
    'main',
    {
      capture: () => void session.capture(),
      // while a capture is classified, the last one is about to change
      retake: session.busy() ? () => session.say('Busy classifying: press r again when the result is shown.') : onLast('r', (capture) => ({ name: 'confirm-retake', capture })),
      'new-session': () => screens.open({ name: 'new-session' }),
      annotate: onLast('b', (capture) => ({ name: 'note', capture })),
      explain: onLast('x', (capture) => ({ name: 'explain', capture })),
      lesions: () => (canAct('lesions') ? screens.open({ name: 'lesions', capture: last }) : session.say(whyKeyCannotAct('l', sessionStarted))),
      history: () => screens.open({ name: 'history' }),
      export: () => (canAct('export') ? void session.exportSession() : session.say(whyKeyCannotAct('e', sessionStarted))),
      help: () => screens.open({ name: 'help' }),
      quit,
      'say-how-to-quit': () => session.say('q quits.'),
    },
    { isActive: screens.screen.name === 'main', router },
  );
}
