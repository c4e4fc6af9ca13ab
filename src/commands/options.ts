import path from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../appVersion.js';
import { BACKEND_REQUESTS } from '../classifier/backend.js';
import { CONFIG_FILE } from '../outbox/config.js';
import { DEFAULT_DATA_DIR, DEFAULT_MODEL_DIR } from './io.js';

/**
 * One command-line option: what parseArgs needs to read it and what `--help` says of it, in one
 * place, so that the two cannot drift apart. This module stays light (no TensorFlow.js, no sharp,
 * no SQLite): `--help` loads it.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's name in the help (`<dir>`); a string option without one shows `<value>`. */
  value?: string;
  /** What the option does, in one line of the help (about 50 characters: it must fit 80 columns beside the name). */
  description: string;
  /** The value a string option takes when it is not given: parseArgs gets it, and the help shows it. */
  default?: string;
  /** The default in words, where it is not one fixed value (`the latest session`), or how to show `default`. */
  defaultText?: string;
}

export type OptionTable = Record<string, OptionSpec>;

/** What parseArgs gives for each option of a table: a flag is always a boolean, a string option with a default always a string. */
export type OptionValues<T extends OptionTable> = {
  [K in keyof T]: T[K]['type'] extends 'boolean' ? boolean : T[K] extends { default: string } ? string : string | undefined;
};

/** Reads `args` with a command's table (parseArgs, strict: an unknown option is an error). */
export function parseOptions<T extends OptionTable>(table: T, args: string[], { positionals = false } = {}): { values: OptionValues<T>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(table).map(([name, spec]) => [
      name,
      spec.type === 'boolean' ? { type: 'boolean' as const, default: false } : { type: 'string' as const, ...(spec.default !== undefined && { default: spec.default }) },
    ]),
  );
  const parsed = parseArgs({ args, options, allowPositionals: positionals, strict: true });
  return { values: parsed.values as OptionValues<T>, positionals: parsed.positionals };
}

// options that several commands share: defined once

const MODEL = {
  type: 'string',
  value: '<dir>',
  description: 'the model folder; its weights must match its card',
  default: DEFAULT_MODEL_DIR,
  defaultText: `the shipped model, ${path.relative(PACKAGE_ROOT, DEFAULT_MODEL_DIR)}`,
} as const satisfies OptionSpec;

const BACKEND = {
  type: 'string',
  value: '<name>',
  description: `${BACKEND_REQUESTS[0]} (the fastest that works here), ${BACKEND_REQUESTS.slice(1, -1).join(', ')} or ${BACKEND_REQUESTS.at(-1)}`,
  default: 'auto',
} as const satisfies OptionSpec;

const DATA_DIR = {
  type: 'string',
  value: '<dir>',
  description: 'the data folder: session log and captured images',
  default: DEFAULT_DATA_DIR,
} as const satisfies OptionSpec;

const CONFIG = {
  type: 'string',
  value: '<file>',
  description: "PACS destinations and this device's names in DICOM",
  defaultText: `<data-dir>/${CONFIG_FILE}`,
} as const satisfies OptionSpec;

/**
 * `dermacam` with no command: the terminal app. Its parser is in ui.tsx; test/optionTables.test.ts
 * checks that this table and it name the same options and camera default.
 */
export const UI_OPTIONS = {
  camera: {
    type: 'string',
    value: '<spec>',
    description: '/dev/videoN (webcam), file:<image>, dir:<folder> or demo',
    defaultText: '/dev/video0',
  },
  model: MODEL,
  backend: BACKEND,
  'data-dir': DATA_DIR,
  operator: { type: 'string', value: '<name>', description: 'who captures, as the session log records it', defaultText: 'asked for at start' },
  config: CONFIG,
} as const satisfies OptionTable;

export const CLASSIFY_OPTIONS = {
  json: { type: 'boolean', description: 'one JSON object per image, one per line, for scripts' },
  explain: { type: 'string', value: '<dir>', description: "also write each image's occlusion map into this folder" },
  model: MODEL,
  backend: BACKEND,
} as const satisfies OptionTable;

export const EVAL_OPTIONS = {
  labels: { type: 'string', value: '<csv>', description: 'CSV with a header of at least file,label (required); with a lesion_id column, intervals resample lesions' },
  images: { type: 'string', value: '<dir>', description: "the folder the CSV's file names are relative to", defaultText: "the CSV's folder" },
  json: { type: 'boolean', description: 'the metrics and 95% intervals as one JSON object' },
  model: MODEL,
  backend: BACKEND,
} as const satisfies OptionTable;

export const SESSIONS_OPTIONS = {
  'data-dir': DATA_DIR,
} as const satisfies OptionTable;

export const LESIONS_OPTIONS = {
  patient: { type: 'string', value: '<ref>', description: "only this patient reference's lesions", defaultText: 'every patient' },
  'data-dir': DATA_DIR,
} as const satisfies OptionTable;

export const EXPORT_OPTIONS = {
  session: { type: 'string', value: '<id>', description: 'the session to export (dermacam sessions lists them)', defaultText: 'the latest session' },
  all: { type: 'boolean', description: 'every session instead of one' },
  out: { type: 'string', value: '<file.csv>', description: 'write the CSV to this file, whole or not at all', defaultText: 'standard output' },
  dicom: { type: 'string', value: '<dir>', description: 'write each capture as a DICOM file into this folder' },
  force: { type: 'boolean', description: 'replace files that --out or --dicom would overwrite' },
  'data-dir': DATA_DIR,
  config: CONFIG,
} as const satisfies OptionTable;

export const OUTBOX_OPTIONS = {
  retry: { type: 'boolean', description: 'send again what a PACS refused, and all waiting now' },
  config: CONFIG,
  'data-dir': DATA_DIR,
} as const satisfies OptionTable;

export const DOCTOR_OPTIONS = {
  'data-dir': DATA_DIR,
  model: MODEL,
  verify: { type: 'boolean', description: "also check the log's integrity; exit 1 on a finding" },
  repair: { type: 'boolean', description: 'with --verify: move files no capture refers to aside' },
  head: { type: 'string', value: '<entry>:<sha256>', description: "with --verify: check the log against export's head" },
  config: CONFIG,
} as const satisfies OptionTable;

export const BACKUP_OPTIONS = {
  out: { type: 'string', value: '<dir>', description: 'the folder to copy into, a USB stick (required)' },
  'data-dir': DATA_DIR,
} as const satisfies OptionTable;

export const RESTORE_OPTIONS = {
  'data-dir': {
    type: 'string',
    value: '<dir>',
    description: 'the empty data folder to restore into (required)',
  },
} as const satisfies OptionTable;
