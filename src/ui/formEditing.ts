import type { Key } from 'ink';

/** One editing key of a form. A burst of input (a paste, fast typing over SSH) becomes several. */
type EditingKey = 'backspace' | 'left' | 'right' | 'home' | 'end' | 'up' | 'down' | 'tab' | 'enter' | 'escape' | 'clearLine' | 'deleteWord' | 'quit';
export type FormKey = { type: 'char'; char: string } | { type: EditingKey };

export interface FormState {
  values: string[];
  active: number;
  /** Where typing goes in the active field: 0 is before its first character. */
  cursor: number;
  problem?: string;
  /** Whether anything was typed or deleted since the form opened. */
  edited: boolean;
  /** Ctrl+C was pressed once after an edit: a second one quits and loses it. */
  quitPending: boolean;
}

export interface FormFieldRule {
  label: string;
  required?: boolean;
  /**
   * Values the field offers for what is typed so far, best first. Tab completes to the only one; where
   * several are offered it completes only what they all begin with (when that is more than what is
   * typed), and never picks one of them.
   */
  suggest?: (text: string) => string[];
  /** Why a value typed (trimmed, not empty) cannot be taken, in one sentence; undefined when it can. */
  check?: (text: string) => string | undefined;
}

/** The longest text that every one of `texts` begins with. */
export function commonPrefix(texts: readonly string[]): string {
  if (texts.length === 0) return '';
  let prefix = texts[0]!;
  for (const text of texts.slice(1)) {
    let length = 0;
    while (length < prefix.length && length < text.length && prefix[length] === text[length]) length++;
    prefix = prefix.slice(0, length);
  }
  return prefix;
}

/**
 * The value Tab would complete the active field to, if it offers one other than what is typed: its
 * only suggestion, or, of several, what they all begin with where that carries on what is typed
 * (case aside). Several suggestions that share no more than what is typed give none: Tab then moves on.
 */
export function completionOf(state: FormState, fields: readonly FormFieldRule[]): string | undefined {
  const value = state.values[state.active]!;
  const choices = fields[state.active]?.suggest?.(value) ?? [];
  if (choices.length === 1) return choices[0] !== value.trim() ? choices[0] : undefined;
  const shared = commonPrefix(choices);
  const typed = value.trimStart();
  return shared.length > typed.length && shared.toLowerCase().startsWith(typed.toLowerCase()) ? shared : undefined;
}

export const MAX_FIELD_LENGTH = 120;

export function openForm(values: string[]): FormState {
  return { values, active: 0, cursor: values[0]?.length ?? 0, edited: false, quitPending: false };
}

const ESCAPE_SEQUENCES: Record<string, EditingKey> = { '[A': 'up', '[B': 'down', '[C': 'right', '[D': 'left', '[H': 'home', '[F': 'end' };
const CONTROL_KEYS: Record<string, EditingKey> = {
  '\u007f': 'backspace', '\b': 'backspace', '\t': 'tab', '\r': 'enter', '\n': 'enter',
  '\u0015': 'clearLine', '\u0017': 'deleteWord', '\u0001': 'home', '\u0005': 'end', '\u0003': 'quit',
};
const CTRL_LETTERS: Record<string, EditingKey> = { u: 'clearLine', w: 'deleteWord', a: 'home', e: 'end', c: 'quit' };

/** Turns one Ink input event into the form keys it holds, in order. */
export function keysOfInput(input: string, key: Key): FormKey[] {
  if (key.escape) return [{ type: 'escape' }];
  if (key.upArrow) return [{ type: 'up' }];
  if (key.downArrow) return [{ type: 'down' }];
  if (key.leftArrow) return [{ type: 'left' }];
  if (key.rightArrow) return [{ type: 'right' }];
  if (key.home) return [{ type: 'home' }];
  if (key.end) return [{ type: 'end' }];
  if (key.tab) return [{ type: 'tab' }];
  if (key.return) return [{ type: 'enter' }];
  if (key.backspace || key.delete) return [{ type: 'backspace' }];
  if (key.ctrl) return CTRL_LETTERS[input] ? [{ type: CTRL_LETTERS[input]! }] : [];
  if (key.meta) return [];
  const keys: FormKey[] = [];
  for (let i = 0; i < input.length; i++) {
    const char = input[i]!;
    const sequence = char === '\u001b' ? input.slice(i + 1, i + 3) : '';
    if (ESCAPE_SEQUENCES[sequence]) {
      keys.push({ type: ESCAPE_SEQUENCES[sequence]! });
      i += 2;
    } else if (CONTROL_KEYS[char]) keys.push({ type: CONTROL_KEYS[char]! });
    else if (!/[\u0000-\u001f\u007f-\u009f]/.test(char)) keys.push({ type: 'char', char });
  }
  return keys;
}

export type FormStep = { state: FormState } | { submitted: string[] } | { cancelled: true } | { quit: true };

/** What one key does to a form: edit, move, submit (Enter on the last field), cancel or quit. */
export function applyFormKey(state: FormState, key: FormKey, fields: readonly FormFieldRule[]): FormStep {
  const value = state.values[state.active]!;
  const edit = (text: string, cursor: number): FormStep => {
    const values = [...state.values];
    values[state.active] = text.slice(0, MAX_FIELD_LENGTH);
    return { state: { ...state, values, cursor: Math.min(cursor, values[state.active]!.length), problem: undefined, edited: true, quitPending: false } };
  };
  const moveTo = (active: number): FormStep => {
    const wrapped = (active + fields.length) % fields.length;
    return { state: { ...state, active: wrapped, cursor: state.values[wrapped]!.length, quitPending: false } };
  };
  const at = (cursor: number): FormStep => ({ state: { ...state, cursor: Math.max(0, Math.min(cursor, value.length)) } });
  switch (key.type) {
    case 'char':
      return edit(value.slice(0, state.cursor) + key.char + value.slice(state.cursor), state.cursor + 1);
    case 'backspace':
      return state.cursor === 0 ? { state } : edit(value.slice(0, state.cursor - 1) + value.slice(state.cursor), state.cursor - 1);
    case 'clearLine':
      return edit(value.slice(state.cursor), 0);
    case 'deleteWord': {
      const start = value.slice(0, state.cursor).replace(/\S+\s*$/, '').length;
      return edit(value.slice(0, start) + value.slice(state.cursor), start);
    }
    case 'left':
      return at(state.cursor - 1);
    case 'right':
      return at(state.cursor + 1);
    case 'home':
      return at(0);
    case 'end':
      return at(value.length);
    case 'up':
      return moveTo(state.active - 1);
    case 'tab': {
      const completion = completionOf(state, fields);
      return completion === undefined ? moveTo(state.active + 1) : edit(completion, completion.length);
    }
    case 'down':
      return moveTo(state.active + 1);
    case 'escape':
      return { cancelled: true };
    case 'quit':
      if (state.quitPending || !state.edited) return { quit: true };
      return { state: { ...state, quitPending: true, problem: 'Ctrl+C again quits and loses what was typed; Esc cancels this form.' } };
    case 'enter': {
      if (state.active < fields.length - 1) return moveTo(state.active + 1);
      const missing = fields.findIndex((field, i) => field.required && state.values[i]!.trim() === '');
      if (missing >= 0) return { state: { ...state, active: missing, cursor: 0, problem: `${fields[missing]!.label} is required.` } };
      const submitted = state.values.map((text) => text.trim());
      const problemOf = (i: number) => (submitted[i] === '' ? undefined : fields[i]!.check?.(submitted[i]!));
      const refused = fields.findIndex((_, i) => problemOf(i) !== undefined);
      if (refused >= 0) return { state: { ...state, active: refused, cursor: state.values[refused]!.length, problem: problemOf(refused) } };
      return { submitted };
    }
  }
}
