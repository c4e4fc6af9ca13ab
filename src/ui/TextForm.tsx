import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';

export interface FormField {
  key: string;
  label: string;
  value?: string;
  required?: boolean;
  hint?: string;
}

/** Removes control characters (escape sequences included), which could garble the terminal or a CSV. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/**
 * A small form: type into the highlighted field, Tab or ↑↓ to move, Enter on the last field to
 * submit, Esc to cancel.
 */
export function TextForm({
  title,
  fields,
  onSubmit,
  onCancel,
}: {
  title: string;
  fields: FormField[];
  onSubmit: (values: Record<string, string>) => void;
  onCancel: () => void;
}) {
  const [state, setState] = useState(() => ({
    values: Object.fromEntries(fields.map((f) => [f.key, f.value ?? ''])) as Record<string, string>,
    active: 0,
    problem: undefined as string | undefined,
  }));
  const { values, active, problem } = state;
  // keys can arrive faster than renders: the handler works on the latest state, not the rendered one
  const latest = useRef(state);

  // A chunk of input may hold several keys (a paste, or fast typing over SSH): take them in order.
  useInput((input, key) => {
    if (key.escape) return onCancel();
    let next = latest.current;
    const move = (by: number) => (next = { ...next, active: (next.active + by + fields.length) % fields.length });
    if (key.upArrow) move(-1);
    else if (key.downArrow || key.tab) move(1);
    else if (key.backspace || key.delete) {
      const field = fields[next.active]!.key;
      next = { ...next, values: { ...next.values, [field]: next.values[field]!.slice(0, -1) } };
    } else if (key.return) {
      if (submitOrAdvance()) return;
    } else if (!key.ctrl && !key.meta) {
      for (const char of input) {
        if (char === '\t') move(1);
        else if (char === '\r' || char === '\n') {
          if (submitOrAdvance()) return;
        } else if (printable(char)) {
          const field = fields[next.active]!.key;
          next = { ...next, values: { ...next.values, [field]: (next.values[field]! + char).slice(0, 120) } };
        }
      }
    }
    latest.current = next;
    setState(next);

    /** Enter: the next field, or on the last one submit; true when the form is done. */
    function submitOrAdvance(): boolean {
      if (next.active < fields.length - 1) {
        move(1);
        return false;
      }
      const missing = fields.find((f) => f.required && next.values[f.key]!.trim() === '');
      if (missing) {
        next = { ...next, active: fields.indexOf(missing), problem: `${missing.label} is required.` };
        return false;
      }
      onSubmit(Object.fromEntries(Object.entries(next.values).map(([k, v]) => [k, v.trim()])));
      return true;
    }
  });

  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold>{title}</Text>
      {fields.map((field, i) => (
        <Box key={field.key}>
          <Text color={i === active ? 'cyan' : undefined}>{i === active ? '› ' : '  '}{field.label}: </Text>
          <Text inverse={i === active}>{values[field.key] || ' '}</Text>
          {field.hint && <Text dimColor>  {field.hint}</Text>}
        </Box>
      ))}
      {problem && <Text color="red">{problem}</Text>}
      <Text dimColor>Enter: next / save · Tab: next field · Esc: cancel</Text>
    </Box>
  );
}
