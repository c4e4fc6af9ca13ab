import { useInput, type Key } from 'ink';
import { createContext, useContext, useEffect, useRef } from 'react';
import { actionOf, type ActionOf, type KeymapScreen } from './keymap.js';

export type KeyHandler = (input: string, key: Key) => void;

const CONTROL_KEYS: Record<string, Partial<Key>> = {
  '\r': { return: true }, '\n': { return: true }, '\t': { tab: true }, '\u007f': { backspace: true }, '\b': { backspace: true },
};

/**
 * The keys one input event holds. Ink hands over each escape sequence (an arrow) alone, but a run
 * of plain characters as one string: over SSH, with auto-repeat or on a fast typist, `hq` or two
 * spaces arrive together, and each is a key of its own.
 */
export function splitKeys(input: string, key: Key): [string, Key][] {
  if (input.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  const plain = Object.fromEntries(Object.entries(key).map(([name, value]) => [name, typeof value === 'boolean' ? false : value])) as unknown as Key;
  return [...input].flatMap((char): [string, Key][] => {
    if (CONTROL_KEYS[char]) return [['', { ...plain, ...CONTROL_KEYS[char] }]];
    const code = char.charCodeAt(0);
    // Ctrl+A to Ctrl+Z, as Ink names a lone one: the letter, with ctrl
    if (code >= 1 && code <= 26) return [[String.fromCharCode(code + 96), { ...plain, ctrl: true }]];
    if (code < 32) return [];
    return [[char, { ...plain, shift: /[A-Z]/.test(char) }]];
  });
}

/**
 * Sends keys to the screen on view. While one screen gives way to another, keys are held and
 * handed to the next screen once it is drawn, so that fast typing (or a paste, or SSH's bursts)
 * right after `b` or `n` lands in the form instead of being lost.
 */
export class KeyRouter {
  private handler: { current: KeyHandler } | undefined;
  private held: [string, Key][] = [];
  private holding = false;
  private paused = false;

  /** Hands each key of an input event to the screen on view, or holds it while screens change. */
  dispatch(input: string, key: Key): void {
    if (this.paused) return;
    for (const [one, oneKey] of splitKeys(input, key)) {
      if (this.holding || !this.handler) this.held.push([one, oneKey]);
      else this.handler.current(one, oneKey);
    }
  }

  /** While the terminal is too small to show the screens, keys are dropped: nothing acts unseen. */
  pause(paused: boolean): void {
    this.paused = paused;
  }

  /** The screen is about to change: keep the keys that come meanwhile for the next one. */
  hold(): void {
    this.holding = true;
  }

  /** A screen is on view; returns how to step down. */
  take(handler: { current: KeyHandler }): () => void {
    this.handler = handler;
    this.holding = false;
    // a held key may change the screen again: the keys after it wait for that screen
    while (!this.holding && this.held.length > 0) {
      const [input, key] = this.held.shift()!;
      handler.current(input, key);
    }
    return () => {
      if (this.handler === handler) this.handler = undefined;
    };
  }
}

export const KeyRouterContext = createContext<KeyRouter | undefined>(undefined);

/**
 * A screen's keys: through the app's router (the context's, or the one given) when there is
 * one, straight from Ink otherwise (a component on its own, as in its tests).
 */
export function useKeys(handler: KeyHandler, { isActive = true, router: given }: { isActive?: boolean; router?: KeyRouter } = {}): void {
  const fromContext = useContext(KeyRouterContext);
  const router = given ?? fromContext;
  const latest = useRef(handler);
  latest.current = handler;
  useInput(
    (input, key) => {
      for (const [one, oneKey] of splitKeys(input, key)) latest.current(one, oneKey);
    },
    { isActive: isActive && router === undefined },
  );
  useEffect(() => (router && isActive ? router.take(latest) : undefined), [router, isActive]);
}

/** A screen's keys by the keymap's actions: each key runs the handler of the action it is bound to there. */
export function useScreenKeys<S extends KeymapScreen>(
  screen: S,
  handlers: Partial<Record<ActionOf<S>, () => void>>,
  options?: { isActive?: boolean; router?: KeyRouter },
): void {
  useKeys((input, key) => {
    const action = actionOf(screen, input, key);
    if (action !== undefined) handlers[action]?.();
  }, options);
}
