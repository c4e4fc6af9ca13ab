import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import { applyFormKey, completionOf, keysOfInput, openForm, type FormFieldRule } from './formEditing.js';
import { useKeys } from './keyRouter.js';

export interface FormField extends FormFieldRule {
  key: string;
  value?: string;
  hint?: string;
}

/**
 * A small form: type into the highlighted field (←→ Home End, Ctrl+U, Ctrl+W edit), Tab or ↑↓
 * to move (Tab first completes a field's suggestion, where it offers one), Enter on the last field to submit, Esc to cancel; Ctrl+C quits, asking first when
 * something was typed.
 */
export function TextForm({
  title,
  fields,
  onSubmit,
  onCancel,
  onQuit,
}: {
  title: string;
  fields: FormField[];
  onSubmit: (values: Record<string, string>) => void;
  onCancel: () => void;
  onQuit: () => void;
}) {
  const [state, setState] = useState(() => openForm(fields.map((field) => field.value ?? '')));
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
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold>{title}</Text>
      {fields.map((field, i) => (
        <Box key={field.key} flexDirection="column">
          <Text color={i === state.active ? 'cyan' : undefined}>
            {i === state.active ? '› ' : '  '}
            {field.label}: {i === state.active ? <FieldWithCursor text={state.values[i]!} cursor={state.cursor} /> : state.values[i]}
          </Text>
          {i === state.active && <Suggestions field={field} text={state.values[i]!} completion={completionOf(state, fields)} />}
          {field.hint && i === state.active && <Text dimColor>    {field.hint}</Text>}
        </Box>
      ))}
      {state.problem && <Text color="red">{state.problem}</Text>}
    </Box>
  );
}

function FieldWithCursor({ text, cursor }: { text: string; cursor: number }) {
  return (
    <Text>
      {text.slice(0, cursor)}
      <Text inverse>{text[cursor] ?? ' '}</Text>
      {text.slice(cursor + 1)}
    </Text>
  );
}

const SHOWN_SUGGESTIONS = 4;

function Suggestions({ field, text, completion }: { field: FormField; text: string; completion: string | undefined }) {
  if (completion === undefined) return null;
  const others = field.suggest!(text).slice(1, SHOWN_SUGGESTIONS);
  return (
    <Text>
      {'    '}Tab → <Text color="cyan">{completion}</Text>
      {others.length > 0 && <Text dimColor> (or {others.join(', ')})</Text>}
    </Text>
  );
}
