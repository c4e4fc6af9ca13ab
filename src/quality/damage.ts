/**
 * Signs that a picture is damaged or covered rather than merely badly taken: a colour cast, heavy
 * noise, rows left blank by a partial decode, and a centre smoother than its surroundings (a
 * finger or an object over the lesion). Measured on the same field of the centre square as the other measures.
 */
export interface DamageMeasures {
  /** Mean CIELAB a* (positive red, negative green) of the pixels that are not near black. */
  redGreen: number;
  /** Mean CIELAB b* (positive yellow, negative blue) of the same pixels. */
  yellowBlue: number;
  /** Median absolute Laplacian of the luma: the grain of flat skin, raised by noise everywhere. */
  noise: number;
  /**
   * Share of the field's rows that are of one colourless mid-tone within the field (luma varying by
   * at most 2 levels, neither near black nor near white, a* and b* within 2 of 0): what a decoder
   * leaves where the data ran out (its missing blocks decode to grey). Black or white borders, and
   * a flat coloured band such as a ruler, do not count.
   */
  blankRows: number;
  /** Mean absolute Laplacian inside the central disc relative to the whole field: low when the centre is covered or smeared. */
  centreDetail: number;
}

/** Dermoscopy's black corners carry no colour; L* below this is left out of the colour means. */
const DARK_LIGHTNESS = 8;
const CENTRE_RADIUS = 0.15;

/**
 * `lab` holds L*, a*, b* per pixel; both images and `mask` (1 for the pixels measured) are `side` x
 * `side`; `edges` is the luma's `laplacian`.
 */
export function measuresOfDamage(luma: Uint8Array, lab: Float32Array, edges: Float32Array, mask: Uint8Array, side: number): DamageMeasures {
  return { ...meanColour(lab, mask), ...texture(edges, mask, side), blankRows: blankRowShare(luma, lab, mask, side) };
}

function meanColour(lab: Float32Array, mask: Uint8Array): Pick<DamageMeasures, 'redGreen' | 'yellowBlue'> {
  let a = 0;
  let b = 0;
  let count = 0;
  for (let p = 0, i = 0; p < mask.length; p++, i += 3) {
    if (mask[p] === 0 || lab[i]! < DARK_LIGHTNESS) continue;
    a += lab[i + 1]!;
    b += lab[i + 2]!;
    count++;
  }
  return count === 0 ? { redGreen: 0, yellowBlue: 0 } : { redGreen: a / count, yellowBlue: b / count };
}

/**
 * `edges[k]` of row `y` is the Laplacian at pixel (x + 1, y + 1). The central disc is measured
 * whole: a dark object over the centre that reaches the border is taken for frame, and must still
 * count as a covered centre.
 */
function texture(edges: Float32Array, mask: Uint8Array, side: number): Pick<DamageMeasures, 'noise' | 'centreDetail'> {
  const inner = side - 2;
  const centre = (inner - 1) / 2;
  const radiusSquared = (CENTRE_RADIUS * side) ** 2;
  // the Laplacian of 8-bit luma is a whole number within ±1020: its median comes from a histogram
  const histogram = new Uint32Array(4 * 255 + 1);
  let centreSum = 0;
  let centreCount = 0;
  let sum = 0;
  let count = 0;
  for (let y = 0, k = 0; y < inner; y++) {
    const dy = y - centre;
    const row = (y + 1) * side + 1;
    for (let x = 0; x < inner; x++, k++) {
      const value = Math.abs(edges[k]!);
      const dx = x - centre;
      if (dx * dx + dy * dy < radiusSquared) {
        centreSum += value;
        centreCount++;
      }
      if (mask[row + x] === 0) continue;
      histogram[value]!++;
      sum += value;
      count++;
    }
  }
  const mean = sum / count;
  return {
    noise: valueAtRank(histogram, count >> 1),
    // a picture without any detail has no centre smoother than the rest; the blur limit deals with it
    centreDetail: mean === 0 ? 1 : centreSum / centreCount / mean,
  };
}

/** The value at `rank` (from 0) in ascending order of the values that `histogram` counts. */
function valueAtRank(histogram: Uint32Array, rank: number): number {
  let seen = 0;
  for (let value = 0; value < histogram.length; value++) {
    seen += histogram[value]!;
    if (seen > rank) return value;
  }
  return histogram.length - 1;
}

/**
 * Rows with less of the field than this share of the side are not judged: a short stretch of smooth
 * skin can be as even as a blank band (stretches of 40 pixels were in 2 of 1,352 framed HAM10000 val pictures).
 */
const MIN_ROW_SHARE = 0.5;

/** The largest |a*| or |b*| of a pixel that counts as grey, as a decoder's missing blocks are. */
const GREY_CHROMA = 2;

/** Whether every measured pixel of row `y` is grey: asked only of rows already flat in luma, which are rare. */
function isGreyRow(lab: Float32Array, mask: Uint8Array, y: number, side: number): boolean {
  for (let i = y * side; i < (y + 1) * side; i++) {
    if (mask[i] !== 0 && (Math.abs(lab[3 * i + 1]!) > GREY_CHROMA || Math.abs(lab[3 * i + 2]!) > GREY_CHROMA)) return false;
  }
  return true;
}

function blankRowShare(luma: Uint8Array, lab: Float32Array, mask: Uint8Array, side: number): number {
  let blank = 0;
  let judged = 0;
  for (let y = 0; y < side; y++) {
    let low = 255;
    let high = 0;
    let inField = 0;
    for (let i = y * side; i < (y + 1) * side; i++) {
      if (mask[i] === 0) continue;
      low = Math.min(low, luma[i]!);
      high = Math.max(high, luma[i]!);
      inField++;
    }
    if (inField < MIN_ROW_SHARE * side) continue;
    judged++;
    if (high - low <= 2 && low > 20 && high < 235 && isGreyRow(lab, mask, y, side)) blank++;
  }
  return judged === 0 ? 0 : blank / judged;
}
