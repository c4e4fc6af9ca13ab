import { useRef, useState } from 'react';
import type { Capture, Lesion } from '../store/sessionLog.js';
import type { HistoryPosition } from './useHistoryState.js';
import type { KeyRouter } from './keyRouter.js';

export type Screen =
  | { name: 'main' | 'new-session' | 'help' }
  | { name: 'history'; at?: HistoryPosition; selected?: Capture }
  | { name: 'note' | 'confirm-retake' | 'explain'; capture: Capture }
  | { name: 'lesions'; capture?: Capture }
  | { name: 'lesion'; lesion: Lesion };

/**
 * Which screen is on view, as a stack: a screen opened from another (explain from history, a
 * lesion from the list) goes back to it. Keys typed while one screen gives way to the next are
 * held for the next (see KeyRouter).
 */
export function useScreens(router: KeyRouter, first: Screen[] = []) {
  const [stack, setStack] = useState<Screen[]>(() => [{ name: 'main' }, ...first]);
  // keys can come faster than renders: each change starts from the latest stack, not the rendered one
  const latest = useRef(stack);
  const change = (next: Screen[]) => {
    if (next.at(-1)!.name !== latest.current.at(-1)!.name) router.hold();
    latest.current = next;
    setStack(next);
  };
  return {
    screen: stack.at(-1)!,
    open: (screen: Screen) => change([...latest.current, screen]),
    /** Closes the screen on view; the main screen stays. */
    back: () => change(latest.current.length > 1 ? latest.current.slice(0, -1) : latest.current),
    /** Replaces the screen on view with a newer state of itself (where history's selection is). */
    update: (screen: Screen) => {
      latest.current = [...latest.current.slice(0, -1), screen];
      setStack(latest.current);
    },
  };
}
