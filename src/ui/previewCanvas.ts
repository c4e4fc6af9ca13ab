/** A rectangle of terminal cells; left and top count from 0. */
export interface ScreenArea {
  left: number;
  top: number;
  columns: number;
  rows: number;
}

/**
 * Where the live preview is drawn. Frames go past Ink: laying a full-colour picture out through
 * Ink's renderer costs far more than drawing it (Ink splits every escape sequence into tokens on
 * every render), so the app keeps an empty box in its layout and the canvas paints into it.
 */
export interface PreviewCanvas {
  /** The box to paint into, or undefined while the preview is not on screen. */
  place(area: ScreenArea | undefined): void;
  /** Shows a frame: terminal text, one line per row of cells. */
  draw(frame: string): void;
}

const SAVE_CURSOR = '\u001b7';
const RESTORE_CURSOR = '\u001b8';
const RESET_STYLE = '\u001b[0m';
export const BEGIN_SYNCHRONIZED_UPDATE = '\u001b[?2026h';
export const END_SYNCHRONIZED_UPDATE = '\u001b[?2026l';

/**
 * Paints the preview with absolute cursor moves, leaving the cursor where Ink expects it. A new
 * frame repaints only the rows that changed, and while the terminal cannot keep up (a slow SSH
 * link: the write reports backpressure) frames are dropped until it drains, then the latest is
 * painted.
 */
export class TerminalCanvas implements PreviewCanvas {
  private area: ScreenArea | undefined;
  /** The size of the last area placed: frames are drawn for it. */
  private size: { columns: number; rows: number } | undefined;
  private lines: string[] = [];
  /** The rows as they were last painted into the area. */
  private painted: string[] = [];
  private congested = false;

  constructor(
    /** Writes to the terminal; false means its buffer is full (Node's stream backpressure). */
    private readonly write: (text: string) => boolean | unknown,
    /** Calls back once the terminal has taken what was written. */
    private readonly onDrain?: (resume: () => void) => void,
  ) {}

  place(area: ScreenArea | undefined): void {
    // a frame drawn for a box of another size would spill over the screen around it: wait for one of this size
    if (area && this.size && (area.columns !== this.size.columns || area.rows !== this.size.rows)) this.lines = [];
    if (area) this.size = { columns: area.columns, rows: area.rows };
    this.area = area;
    this.painted = [];
    this.paintNow();
  }

  draw(frame: string): void {
    this.lines = frame.split('\n');
    this.paintNow();
  }

  /** The escape sequences that paint the whole current frame into the area ('' when there is nothing to paint). */
  paint(): string {
    this.painted = [];
    return this.changedRows();
  }

  private changedRows(): string {
    const { area, lines } = this;
    if (!area || lines.length === 0) return '';
    const rows = lines.slice(0, area.rows).flatMap((line, row) =>
      line === this.painted[row] ? [] : [`\u001b[${area.top + row + 1};${area.left + 1}H${line}${RESET_STYLE}`],
    );
    this.painted = lines.slice(0, area.rows);
    return rows.length === 0 ? '' : SAVE_CURSOR + rows.join('') + RESTORE_CURSOR;
  }

  private paintNow(): void {
    if (this.congested) return;
    const text = this.changedRows();
    if (!text) return;
    if (this.write(BEGIN_SYNCHRONIZED_UPDATE + text + END_SYNCHRONIZED_UPDATE) === false && this.onDrain) {
      this.congested = true;
      this.onDrain(() => {
        this.congested = false;
        this.paintNow();
      });
    }
  }
}

/**
 * The stream to give Ink: Ink's own output passes through unchanged, and the preview is painted
 * again after each of Ink's updates, since Ink rewrites the whole screen, blank preview box included.
 * Within a synchronized update the repaint goes just before its end, so the terminal shows both at once.
 */
export function streamWithCanvas(stdout: NodeJS.WriteStream, canvas: TerminalCanvas): NodeJS.WriteStream {
  let synchronizing = false;
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (chunk === BEGIN_SYNCHRONIZED_UPDATE) synchronizing = true;
    else if (chunk === END_SYNCHRONIZED_UPDATE) {
      synchronizing = false;
      chunk = canvas.paint() + chunk;
    } else if (!synchronizing && typeof chunk === 'string') chunk += canvas.paint();
    return (stdout.write as (...args: unknown[]) => boolean)(chunk, ...rest);
  };
  return new Proxy(stdout, {
    get(target, key) {
      if (key === 'write') return write;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
