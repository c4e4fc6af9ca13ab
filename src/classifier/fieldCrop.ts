import type { RgbSquare } from '../images.js';
import { lumaOf } from '../quality/colour.js';
import { darkFrame, hasDarkBorder } from '../quality/field.js';

/**
 * Takes a dark frame out of a picture before the model sees it: the black surround of a
 * dermatoscope's round field, black corners, a webcam's darkest vignetting. The picture is cut to
 * the square around the field, and what is left of the frame, with the frame's soft edge, is
 * painted the colour of the skin just inside it. A framed and an unframed picture of one lesion
 * then show the model the same thing, whatever the frame's size or place: a frame is a property
 * of the instrument, not of the lesion (issue 22 measured a model that had learnt otherwise).
 *
 * The frame is what src/quality/field.ts finds (dark pixels joined to the border), taken only when
 * it holds at least three of the four corners and not the centre: a dark lesion that reaches one
 * edge is not a frame. One function for the training images (the pixel cache) and the app.
 */

/** At 150 pixels (the training images' detail); scaled with the square's side. */
const STEPS_AT = 150;
/** Field pixels this many 8-neighbour steps from the frame or closer are painted too: the frame's soft, JPEG-rung edge. */
const EDGE_STEPS = 3;
/** The skin colour is the median over the next this many steps of the field. */
const RING_STEPS = 6;

/** The picture without its frame, or null when it has none. */
export function cropToField(square: RgbSquare): RgbSquare | null {
  const { data, side } = square;
  const luma = lumaOf(data);
  if (!hasDarkBorder(luma, side)) return null;
  const { frame } = darkFrame(luma, side);
  if (framedCorners(frame, side) < 3) return null;
  const field = regionAround(frame, side, Math.floor(side / 2) * side + Math.floor(side / 2));
  if (field === null) return null;
  const scale = (steps: number) => Math.max(1, Math.round((steps * side) / STEPS_AT));
  const edge = scale(EDGE_STEPS);
  const ring = edge + scale(RING_STEPS);
  const steps = stepsFromOutside(field.inside, side, ring);
  const skin = medianColour(data, steps, edge + 1, ring);
  const box = squareAround(field, side);
  const out = new Uint8Array(box.side * box.side * 3);
  for (let y = 0; y < box.side; y++) {
    for (let x = 0; x < box.side; x++) {
      const from = (box.y + y) * side + box.x + x;
      const to = (y * box.side + x) * 3;
      const painted = steps[from]! <= edge;
      for (let c = 0; c < 3; c++) out[to + c] = painted ? skin[c]! : data[from * 3 + c]!;
    }
  }
  return { data: out, side: box.side };
}

function framedCorners(frame: Uint8Array, side: number): number {
  const last = side - 1;
  return frame[0]! + frame[last]! + frame[last * side]! + frame[last * side + last]!;
}

interface Region {
  /** 1 for each pixel of the region. */
  inside: Uint8Array;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The pixels outside `frame` joined to pixel `start` through 4-neighbours outside it, with their bounds; null if `start` is in the frame. */
function regionAround(frame: Uint8Array, side: number, start: number): Region | null {
  if (frame[start] === 1) return null;
  const inside = new Uint8Array(frame.length);
  const stack = new Int32Array(frame.length);
  let top = 0;
  stack[top++] = start;
  inside[start] = 1;
  const region: Region = { inside, left: side, top: side, right: -1, bottom: -1 };
  while (top > 0) {
    const i = stack[--top]!;
    const x = i % side;
    const y = (i - x) / side;
    region.left = Math.min(region.left, x);
    region.right = Math.max(region.right, x);
    region.top = Math.min(region.top, y);
    region.bottom = Math.max(region.bottom, y);
    for (const next of [x > 0 ? i - 1 : -1, x < side - 1 ? i + 1 : -1, i - side, i + side]) {
      if (next < 0 || next >= frame.length || frame[next] === 1 || inside[next] === 1) continue;
      inside[next] = 1;
      stack[top++] = next;
    }
  }
  return region;
}

/** For each pixel, its 8-neighbour steps from the nearest pixel outside `inside` (0 outside), up to `limit`; farther ones get `limit` + 1. */
function stepsFromOutside(inside: Uint8Array, side: number, limit: number): Uint8Array {
  const steps = new Uint8Array(inside.length).fill(limit + 1);
  let wave: number[] = [];
  inside.forEach((isIn, i) => {
    if (isIn === 0) {
      steps[i] = 0;
      wave.push(i);
    }
  });
  for (let step = 1; step <= limit && wave.length > 0; step++) {
    const next: number[] = [];
    for (const i of wave) {
      const x = i % side;
      for (let dy = -side; dy <= side; dy += side) {
        for (let dx = -1; dx <= 1; dx++) {
          if ((dx === -1 && x === 0) || (dx === 1 && x === side - 1)) continue;
          const j = i + dy + dx;
          if (j < 0 || j >= inside.length || steps[j]! <= step) continue;
          steps[j] = step;
          next.push(j);
        }
      }
    }
    wave = next;
  }
  return steps;
}

/** Per channel, the median of the pixels from `nearest` to `farthest` steps. */
function medianColour(data: Uint8Array, steps: Uint8Array, nearest: number, farthest: number): number[] {
  const counts = [new Uint32Array(256), new Uint32Array(256), new Uint32Array(256)];
  let n = 0;
  steps.forEach((s, i) => {
    if (s < nearest || s > farthest) return;
    n++;
    for (let c = 0; c < 3; c++) counts[c]![data[i * 3 + c]!]!++;
  });
  return counts.map((histogram) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) if ((seen += histogram[v]!) * 2 >= n) return v;
    return 0;
  });
}

/** The smallest square around the region, moved inside the picture. */
function squareAround(region: Region, side: number): { x: number; y: number; side: number } {
  const width = region.right - region.left + 1;
  const height = region.bottom - region.top + 1;
  const box = Math.max(width, height);
  const place = (low: number, extent: number) => Math.min(side - box, Math.max(0, Math.round(low + extent / 2 - box / 2)));
  return { x: place(region.left, width), y: place(region.top, height), side: box };
}
