import { describe, expect, it } from 'vitest';
import { BEGIN_SYNCHRONIZED_UPDATE as BSU, END_SYNCHRONIZED_UPDATE as ESU, streamWithCanvas, TerminalCanvas } from '../../src/ui/previewCanvas.js';

function canvasWithLog() {
  const written: string[] = [];
  return { canvas: new TerminalCanvas((text) => written.push(text)), written };
}

describe('TerminalCanvas', () => {
  it('paints each line of a frame at its row of the area, clipped to the area, leaving the cursor where it was', () => {
    const { canvas, written } = canvasWithLog();
    canvas.draw('ab\ncd\nef');
    expect(written).toEqual([]); // nowhere to paint yet
    canvas.place({ left: 3, top: 2, columns: 4, rows: 2 });
    expect(written).toEqual([`${BSU}\u001b7\u001b[3;4Hab\u001b[0m\u001b[4;4Hcd\u001b[0m\u001b8${ESU}`]);
  });

  it('drops a frame drawn for another size when the area is resized: it would cover the screen around the new box', () => {
    const { canvas, written } = canvasWithLog();
    canvas.place({ left: 0, top: 0, columns: 4, rows: 2 });
    canvas.draw('abcd\nefgh');
    canvas.place(undefined); // withdrawn while Ink redraws
    canvas.place({ left: 0, top: 0, columns: 2, rows: 1 }); // the terminal shrank
    expect(written).toHaveLength(1);
    canvas.draw('ab');
    expect(written.at(-1)).toBe(`${BSU}\u001b7\u001b[1;1Hab\u001b[0m\u001b8${ESU}`);
    canvas.place(undefined);
    canvas.place({ left: 0, top: 0, columns: 2, rows: 1 }); // same size again: the frame stays
    expect(written.at(-1)).toBe(`${BSU}\u001b7\u001b[1;1Hab\u001b[0m\u001b8${ESU}`);
    expect(written).toHaveLength(3);
  });

  it('stops painting once the area is withdrawn', () => {
    const { canvas, written } = canvasWithLog();
    canvas.place({ left: 0, top: 0, columns: 2, rows: 1 });
    canvas.place(undefined);
    canvas.draw('ab');
    expect(written).toEqual([]);
    expect(canvas.paint()).toBe('');
  });
});

describe('TerminalCanvas over a slow link', () => {
  it('repaints only the rows that changed', () => {
    const { canvas, written } = canvasWithLog();
    canvas.place({ left: 0, top: 0, columns: 2, rows: 3 });
    canvas.draw('ab\ncd\nef');
    canvas.draw('ab\nXY\nef');
    expect(written.at(-1)).toBe(`${BSU}\u001b7\u001b[2;1HXY\u001b[0m\u001b8${ESU}`);
    canvas.draw('ab\nXY\nef');
    expect(written).toHaveLength(2); // nothing changed: nothing sent
  });

  it('drops frames while the terminal cannot keep up, then paints the latest once it drains', () => {
    const written: string[] = [];
    let resume: (() => void) | undefined;
    const canvas = new TerminalCanvas((text) => (written.push(text), false), (callback) => (resume = callback));
    canvas.place({ left: 0, top: 0, columns: 1, rows: 1 });
    canvas.draw('a'); // its write reports a full buffer
    canvas.draw('b');
    canvas.draw('c');
    expect(written).toHaveLength(1);
    resume!();
    expect(written).toHaveLength(2);
    expect(written[1]).toContain('c');
  });
});

describe('streamWithCanvas', () => {
  function setUp() {
    const out: string[] = [];
    const stdout = { columns: 120, rows: 40, write: (chunk: string) => out.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
    const { canvas } = canvasWithLog();
    canvas.place({ left: 0, top: 0, columns: 2, rows: 1 });
    canvas.draw('P');
    return { stream: streamWithCanvas(stdout, canvas), out, paint: canvas.paint() };
  }

  it('repaints the preview just before the end of each synchronized update of Ink', () => {
    const { stream, out, paint } = setUp();
    stream.write(BSU);
    stream.write('ink screen');
    stream.write(ESU);
    expect(out).toEqual([BSU, 'ink screen', paint + ESU]);
  });

  it('repaints the preview after an unsynchronized write, and passes everything else through', () => {
    const { stream, out, paint } = setUp();
    stream.write('ink screen');
    expect(out).toEqual(['ink screen' + paint]);
    expect(stream.columns).toBe(120);
    expect(stream.rows).toBe(40);
  });
});
