import { useEffect, useState } from 'react';
import type { Capture } from '../store/sessionLog.js';

/**
 * Captures' pictures drawn as terminal text in `columns` x `rows` cells, each undefined until
 * drawn; one whose image cannot be read is '(image missing)'. Drawn again only when the captures
 * or the room change.
 */
export function useDrawnPictures(
  captures: readonly Capture[],
  drawPicture: (capture: Capture, columns: number, rows: number) => Promise<string>,
  columns: number,
  rows: number,
): (string | undefined)[] {
  const [pictures, setPictures] = useState<(string | undefined)[]>([]);
  const ids = captures.map((capture) => capture.id).join(' ');
  useEffect(() => {
    let live = true;
    setPictures([]);
    void Promise.all(captures.map((capture) => drawPicture(capture, columns, rows).catch(() => '(image missing)'))).then((drawn) => live && setPictures(drawn));
    return () => {
      live = false;
    };
  }, [ids, drawPicture, columns, rows]); // eslint-disable-line react-hooks/exhaustive-deps -- the same captures come in a new array at each render
  return pictures;
}
