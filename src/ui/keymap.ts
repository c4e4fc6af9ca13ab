import type { Key } from 'ink';

/**
 * Every key of every screen, in one table: the key bar, the help screen and the handlers all read
 * it, so that what the bar shows is what the key does.
 */
export interface Binding<A extends string = string> {
  /** Key names as `keyName` gives them: 'space', 'esc', 'up', 'enter', or the character typed. */
  keys: string[];
  /** The keys as the bar shows them. */
  label: string;
  /** What the key does, in the bar's few words. */
  does: string;
  /** The help screen's line, for the main screen's keys. */
  help?: string;
  action: A;
  /** Acts, but is not worth a place in the bar (Esc on the main screen only says how to quit). */
  hidden?: boolean;
}

const bind = <A extends string>(action: A, keys: string[], does: string, extra: Partial<Omit<Binding, 'action'>> = {}): Binding<A> => ({
  action,
  keys,
  label: keys.join(', '),
  does,
  ...extra,
});

const close = bind('close', ['q', 'esc'], 'close', { label: 'q, Esc' });

export const KEYMAP = {
  main: [
    bind('capture', ['space'], 'capture', { help: 'take a still, classify it and log it' }),
    bind('retake', ['r'], 'retake', { help: 'withdraw the last capture; the log keeps a note' }),
    bind('new-session', ['n'], 'new session', { help: 'new session: operator and patient reference' }),
    bind('annotate', ['b'], 'body site / note', { help: 'body site and note of the last capture (h: any)' }),
    bind('explain', ['x'], 'explain', { help: 'where the model looked in the last capture (h: any)' }),
    bind('lesions', ['l'], 'lesion', { help: "follow the last capture's lesion over visits (h: any)" }),
    bind('history', ['h'], 'history', { help: 'every session and capture; b, x and l act on one' }),
    bind('export', ['e'], 'export CSV', { help: 'export this session as CSV into the data folder' }),
    bind('help', ['?'], 'help', { help: 'this screen' }),
    bind('quit', ['q'], 'quit', { help: 'quit; Esc closes other screens, never the app' }),
    bind('say-how-to-quit', ['esc'], '', { hidden: true }),
  ],
  form: [
    bind('next', ['enter'], 'next / save', { label: 'Enter' }),
    bind('next-field', ['tab'], 'next field', { label: 'Tab' }),
    bind('cancel', ['esc'], 'cancel', { label: 'Esc' }),
    bind('quit', ['ctrl+c'], 'quit', { label: 'Ctrl+C' }),
  ],
  confirm: [bind('yes', ['y', 'Y'], 'yes', { label: 'y' }), bind('no', ['n', 'N', 'q', 'esc'], 'no', { label: 'n, Esc' })],
  history: [
    bind('up', ['up'], 'move', { label: '↑↓' }),
    bind('down', ['down'], '', { hidden: true }),
    bind('open', ['right', 'enter'], 'open', { label: '→' }),
    bind('back', ['left'], 'back', { label: '←' }),
    bind('annotate', ['b'], 'body site / note'),
    bind('explain', ['x'], 'explain'),
    bind('lesions', ['l'], 'lesion'),
    { ...close, keys: ['q', 'esc', 'h'] },
  ],
  help: [{ ...close, keys: ['q', 'esc', '?'], label: 'q, Esc, ?' }],
  explain: [{ ...close, keys: ['q', 'esc', 'left'] }],
  lesions: [
    bind('up', ['up'], 'move', { label: '↑↓' }),
    bind('down', ['down'], '', { hidden: true }),
    bind('choose', ['enter'], 'attach and follow', { label: 'Enter' }),
    bind('open', ['right'], 'open', { label: '→' }),
    close,
  ],
  lesion: [{ ...close, keys: ['left', 'q', 'esc'], label: '←, q, Esc', does: 'back' }],
} satisfies Record<string, Binding[]>;

export type KeymapScreen = keyof typeof KEYMAP;
export type ActionOf<S extends KeymapScreen> = (typeof KEYMAP)[S][number]['action'];

/** One key as the keymap names it, or undefined for a key no screen binds. */
export function keyName(input: string, key: Key): string | undefined {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return 'tab';
  if (key.ctrl) return `ctrl+${input}`;
  if (input === ' ') return 'space';
  return input.length === 1 ? input : undefined;
}

/** The action a key stands for on a screen. */
export function actionOf<S extends KeymapScreen>(screen: S, input: string, key: Key): ActionOf<S> | undefined {
  const name = keyName(input, key);
  const bindings: readonly Binding[] = KEYMAP[screen];
  return name === undefined ? undefined : (bindings.find((binding) => binding.keys.includes(name))?.action as ActionOf<S> | undefined);
}
