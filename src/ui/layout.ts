import { headerLines } from './Header.js';
import { keyBarLines, type KeyHint } from './KeyHelp.js';
import { wrapWordsWithin } from './wrapWords.js';

/** Below this the screens do not fit: the app says so, and acts on no key, instead of drawing a broken frame. */
export const MIN_COLUMNS = 64;
export const MIN_ROWS = 20;

/** The most lines a message takes above the status line: longer ones end in "…". */
const MESSAGE_LINES = 2;

export interface Layout {
  tooSmall: boolean;
  columns: number;
  /** Rows between the header and the message: what a screen has. */
  bodyRows: number;
  /** The main screen's split: the preview on the left, the panel on the right, two columns apart. */
  previewColumns: number;
  panelColumns: number;
  messageLines: string[];
  keys: KeyHint[];
}

/**
 * Where everything goes at this terminal size: the header, the screen, the message, the
 * status line and the key bar, in one row short of the terminal (a full-height Ink app clears
 * the whole terminal on every update).
 */
export function layoutOf(columns: number, rows: number, keys: KeyHint[], message: string | undefined): Layout {
  const messageLines = message ? wrapWordsWithin(message, columns, MESSAGE_LINES) : [];
  const bodyRows = rows - 1 - headerLines(columns) - messageLines.length - 1 - keyBarLines(keys, columns);
  // wide terminals give the picture more than half; narrow ones leave the text its room
  const previewColumns = Math.floor(columns * (columns >= 120 ? 0.55 : 0.45));
  return {
    tooSmall: columns < MIN_COLUMNS || rows < MIN_ROWS,
    columns,
    bodyRows,
    previewColumns,
    panelColumns: columns - previewColumns - 2,
    messageLines,
    keys,
  };
}
