import { useInput, type Key } from 'ink';
import { createContext, useContext, useEffect, useRef } from 'react';

export type KeyHandler = (input: string, key: Key) => void;

/**
 * Sends keys to the screen on view. While one screen gives way to another, keys are held and
 * handed to the next screen once it is drawn, so that fast typing (or a paste, or SSH's bursts)
 * right after `b` or `n` lands in the form instead of being lost.
 */
export class KeyRouter {
  private handler: { current: KeyHandler } | undefined;
  private held: [string, Key][] = [];
  private holding = false;

  dispatch(input: string, key: Key): void {
    if (this.holding || !this.handler) this.held.push([input, key]);
    else this.handler.current(input, key);
  }

  /** The screen is about to change: keep the keys that come meanwhile for the next one. */
  hold(): void {
    this.holding = true;
  }

  /** A screen is on view; returns how to step down. */
  take(handler: { current: KeyHandler }): () => void {
    this.handler = handler;
    this.holding = false;
    for (const [input, key] of this.held.splice(0)) handler.current(input, key);
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
  useInput((input, key) => latest.current(input, key), { isActive: isActive && router === undefined });
  useEffect(() => (router && isActive ? router.take(latest) : undefined), [router, isActive]);
}
