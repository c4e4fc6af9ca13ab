import {
  BACKUP_OPTIONS,
  CLASSIFY_OPTIONS,
  DOCTOR_OPTIONS,
  EVAL_OPTIONS,
  EXPORT_OPTIONS,
  LESIONS_OPTIONS,
  OUTBOX_OPTIONS,
  RESTORE_OPTIONS,
  SESSIONS_OPTIONS,
  UI_OPTIONS,
  type OptionSpec,
  type OptionTable,
} from './options.js';

/** What `dermacam <command> --help` says: the usage line (the command-line contract's), what it does, and its options. */
export interface CommandHelp {
  usage: string;
  summary: string;
  options: OptionTable;
}

export const UI_HELP: CommandHelp = {
  usage: `dermacam [--camera /dev/videoN|file:<image>|dir:<folder>|demo] [--model <dir>] [--backend auto|onnx|node|wasm|cpu]
         [--data-dir <dir>] [--operator <name>] [--config <file>]   the terminal app (default camera /dev/video0)`,
  summary: 'The terminal app: live preview, space captures and classifies, every capture logged.',
  options: UI_OPTIONS,
};

export const COMMAND_HELP = {
  classify: {
    usage: 'dermacam classify <image|folder>... [--json] [--explain <dir>] [--model <dir>] [--backend auto|onnx|node|wasm|cpu]',
    summary: "Classifies images, or a folder's images: what the app would say of each.",
    options: CLASSIFY_OPTIONS,
  },
  eval: {
    usage: 'dermacam eval --labels <csv> [--images <dir>] [--json] [--model <dir>] [--backend ...]',
    summary: 'Measures the model on labelled images: AUC, sensitivity, specificity, F1, ECE, with 95% intervals.',
    options: EVAL_OPTIONS,
  },
  sessions: {
    usage: 'dermacam sessions [--data-dir <dir>]',
    summary: 'Lists the sessions of the log, newest first.',
    options: SESSIONS_OPTIONS,
  },
  lesions: {
    usage: 'dermacam lesions [--patient <ref>] [--data-dir <dir>]',
    summary: 'Lists the lesions followed over visits, with the latest answer and what changed.',
    options: LESIONS_OPTIONS,
  },
  export: {
    usage: 'dermacam export [--session <id> | --all] [--out <file.csv> | --dicom <dir>] [--force] [--data-dir <dir>] [--config <file>]',
    summary: 'Writes the captures of a session, or of all, as CSV or as DICOM files.',
    options: EXPORT_OPTIONS,
  },
  outbox: {
    usage: 'dermacam outbox [--retry] [--config <file>] [--data-dir <dir>]',
    summary: "Says how sending to each PACS destination stands; exits 1 while anything waits or needs attention.",
    options: OUTBOX_OPTIONS,
  },
  doctor: {
    usage: 'dermacam doctor [--data-dir <dir>] [--model <dir>] [--verify [--repair] [--head <entry>:<sha256>]] [--config <file>]',
    summary: 'Checks what works on this machine (model, backends, camera, session log, PACS) and ends with a verdict.',
    options: DOCTOR_OPTIONS,
  },
  backup: {
    usage: 'dermacam backup --out <dir> [--data-dir <dir>]',
    summary: 'Copies the data folder (log, images, anchor) into a folder that is a data folder itself, and verifies the copy as doctor --verify does; a copy that does not verify is undone.',
    options: BACKUP_OPTIONS,
  },
  restore: {
    usage: 'dermacam restore <backup> --data-dir <dir>',
    summary: 'Verifies a backup, then copies it into an empty data folder and verifies the result; a log already there is never overwritten.',
    options: RESTORE_OPTIONS,
  },
} as const satisfies Record<string, CommandHelp>;

export type CommandName = keyof typeof COMMAND_HELP;

/** Help lines are wrapped to this width, the narrowest terminal the app is tested in. */
const WIDTH = 80;

const HELP_OPTION: [string, string] = ['-h, --help', 'this help'];

/** `--name <value>` as the help's left column shows it. */
function optionName(name: string, spec: OptionSpec): string {
  return spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? '<value>'}`;
}

/** `text` in lines of at most `width` characters, broken at spaces (a longer word keeps its own line). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/**
 * The options as two columns: the name, and its description with its default on the line below
 * (a description too long for the width wraps under itself).
 */
export function optionLines(table: OptionTable): string[] {
  const rows = [
    ...Object.entries(table).map(([name, spec]) => {
      const shown = spec.defaultText ?? spec.default;
      return { name: optionName(name, spec), text: [spec.description, ...(shown === undefined ? [] : [`default: ${shown}`])] };
    }),
    { name: HELP_OPTION[0], text: [HELP_OPTION[1]] },
  ];
  const column = Math.max(...rows.map(({ name }) => name.length)) + 4; // two spaces before, two after
  return rows.flatMap(({ name, text }) =>
    text
      .flatMap((part) => wrap(part, Math.max(30, WIDTH - column)))
      .map((line, i) => (i === 0 ? `  ${name.padEnd(column - 2)}${line}` : `${' '.repeat(column)}${line}`)),
  );
}

/** `dermacam <command> --help`: the usage line, what the command does, and every option with its default. */
export function commandHelp(help: CommandHelp): string {
  return `Usage: ${help.usage}\n${wrap(help.summary, WIDTH).join('\n')}\n\nOptions:\n${optionLines(help.options).join('\n')}\n`;
}

/** `dermacam --help`: every command's usage line, then the terminal app's options. */
export function overviewHelp(): string {
  return `dermacam: skin-lesion photos classified benign or malignant on this machine.
Not a medical device: research and teaching only; it does not diagnose.

Usage:
  ${UI_HELP.usage}
${Object.values(COMMAND_HELP)
  .map((command) => `  ${command.usage}\n`)
  .join('')}  dermacam --version
  dermacam <command> --help                 that command's options, each with its default

Options of the terminal app (dermacam with no command):
${optionLines(UI_HELP.options).join('\n')}
`;
}
