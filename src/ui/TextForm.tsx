import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import { applyFormKey, completionOf, keysOfInput, openForm, type FormFieldRule } from './formEditing.js';
import { useKeys } from './keyRouter.js';
import { Paragraph } from './Paragraph.js';

export interface FormField extends FormFieldRule {
  key: string;
  value?: string;
  /** A dim line under the field while it is active, e.g. what it is for. */
  hint?: string;
  /**
   * A short remark on the value as typed, shown dim under the field whether it is active or not
   * (e.g. whether the value is one the app knows or free text); undefined shows nothing.
   */
  describe?: (text: string) => string | undefined;
}

/**
 * A small form: type into the highlighted field (←→ Home End, Ctrl+U, Ctrl+W edit), Tab or ↑↓
 * to move (Tab first completes a field's suggestion, where it offers one: see `completionOf`; the
 * suggestions are listed under the field), Enter on the last field to submit, Esc to cancel;
 * Ctrl+C quits, asking first when something was typed.
 */
export function TextForm({
  title,
  fields,
  onSubmit,
  onCancel,
  onQuit,
  width = 60,
}: {
  title: string;
  fields: FormField[];
  onSubmit: (values: Record<string, string>) => void;
  onCancel: () => void;
  onQuit: () => void;
  /** Columns the form takes, its border included: its remarks wrap within them. */
  width?: number;
}) {
  const [state, setState] = useState(() => openForm(fields.map((field) => field.value ?? '')));
  const inner = width - 4;
  // keys can arrive faster than renders: the handler works on the latest state, not the rendered one
  const latest = useRef(state);

  // one input event may hold several keys (a paste, a burst of backspaces over SSH): every one counts
  useKeys((input, key) => {
    let next = latest.current;
    for (const formKey of keysOfInput(input, key)) {
      const step = applyFormKey(next, formKey, fields);
      if ('cancelled' in step) return onCancel();
      if ('quit' in step) return onQuit();
      if ('submitted' in step) return onSubmit(Object.fromEntries(fields.map((field, i) => [field.key, step.submitted[i]!])));
      next = step.state;
    }
    latest.current = next;
    setState(next);
  });

  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1} width={width} flexShrink={0}>
      <Paragraph text={title} width={inner} bold />
      {fields.map((field, i) => (
        <Box key={field.key} flexDirection="column">
          <Text color={i === state.active ? 'cyan' : undefined}>
            {i === state.active ? '› ' : '  '}
            {field.label}: {i === state.active ? <FieldWithCursor text={state.values[i]!} cursor={state.cursor} /> : state.values[i]}
          </Text>
          {i === state.active && <Remark text={suggestions(field, state.values[i]!, completionOf(state, fields))} width={inner} />}
          <Remark text={field.describe?.(state.values[i]!)} width={inner} dimColor />
          {i === state.active && <Remark text={field.hint} width={inner} dimColor />}
        </Box>
      ))}
      {state.problem && <Text color="red">{state.problem}</Text>}
    </Box>
  );
}

const SHOWN_SUGGESTIONS = 4;

function FieldWithCursor({ text, cursor }: { text: string; cursor: number }) {
  return (
    <Text>
      {text.slice(0, cursor)}
      <Text inverse>{text[cursor] ?? ' '}</Text>
      {text.slice(cursor + 1)}
    </Text>
  );
}


/**
 * What the field offers for the text typed: what Tab completes to, and, where several values fit,
 * those values (Tab does not pick one of them). Nothing once the text is the one value that fits.
 */
function suggestions(field: FormField, text: string, completion: string | undefined): string | undefined {
  const choices = field.suggest?.(text) ?? [];
  if (choices.length === 0 || (choices.length === 1 && completion === undefined)) return undefined;
  if (choices.length === 1) return `Tab → ${completion}`;
  const shown = choices.slice(0, SHOWN_SUGGESTIONS).join(', ') + (choices.length > SHOWN_SUGGESTIONS ? `, +${choices.length - SHOWN_SUGGESTIONS} more` : '');
  const tab = completion === undefined ? '' : `Tab → ${completion.endsWith(' ') ? `"${completion}"` : completion}; `;
  return `${tab}${choices.length} fit: ${shown}${completion === undefined ? ' (type more to pick one)' : ''}`;
}

/** A line under a field, indented, wrapped at spaces within the form. */
function Remark({ text, width, dimColor }: { text: string | undefined; width: number; dimColor?: boolean }) {
  if (!text) return null;
  return (
    <Box marginLeft={4}>
      <Paragraph text={text} width={width - 4} dimColor={dimColor} />
    </Box>
  );
}
