import { laplacian } from './laplacian.js';

/**
 * Signs that a picture is damaged or covered rather than merely badly taken: a colour cast, heavy
 * noise, rows left blank by a partial decode, and a centre smoother than its surroundings (a
 * finger or an object over the lesion). Measured on the same centre square as the other measures.
 */
export interface DamageMeasures {
  /** Mean CIELAB a* (positive red, negative green) of the pixels that are not near black. */
  redGreen: number;
  /** Mean CIELAB b* (positive yellow, negative blue) of the same pixels. */
  yellowBlue: number;
  /** Median absolute Laplacian of the luma: the grain of flat skin, raised by noise everywhere. */
  noise: number;
  /**
   * Share of rows of one mid-tone (luma varying by at most 2 levels, neither near black nor near
   * white): what a decoder leaves where the data ran out. Black or white borders do not count.
   */
  blankRows: number;
  /** Mean absolute Laplacian inside the central disc relative to the whole square: low when the centre is covered or smeared. */
  centreDetail: number;
}

/** Dermoscopy's black corners carry no colour; L* below this is left out of the colour means. */
const DARK_LIGHTNESS = 8;
const CENTRE_RADIUS = 0.15;

/** `lab` holds L*, a*, b* per pixel; both images are `side` x `side`. */
export function measuresOfDamage(luma: Uint8Array, lab: Float32Array, side: number): DamageMeasures {
  return { ...meanColour(lab), ...texture(luma, side), blankRows: blankRowShare(luma, side) };
}

function meanColour(lab: Float32Array): Pick<DamageMeasures, 'redGreen' | 'yellowBlue'> {
  let a = 0;
  let b = 0;
  let count = 0;
  for (let i = 0; i < lab.length; i += 3) {
    if (lab[i]! < DARK_LIGHTNESS) continue;
    a += lab[i + 1]!;
    b += lab[i + 2]!;
    count++;
  }
  return count === 0 ? { redGreen: 0, yellowBlue: 0 } : { redGreen: a / count, yellowBlue: b / count };
}

function texture(luma: Uint8Array, side: number): Pick<DamageMeasures, 'noise' | 'centreDetail'> {
  const detail = laplacian(luma, side).map(Math.abs);
  const inner = side - 2;
  const centre = (inner - 1) / 2;
  let centreSum = 0;
  let centreCount = 0;
  let sum = 0;
  detail.forEach((value, k) => {
    sum += value;
    if (Math.hypot((k % inner) - centre, Math.floor(k / inner) - centre) < CENTRE_RADIUS * side) {
      centreSum += value;
      centreCount++;
    }
  });
  const mean = sum / detail.length;
  return {
    noise: detail.sort()[detail.length >> 1]!,
    // a picture without any detail has no centre smoother than the rest; the blur limit deals with it
    centreDetail: mean === 0 ? 1 : centreSum / centreCount / mean,
  };
}

function blankRowShare(luma: Uint8Array, side: number): number {
  let blank = 0;
  for (let y = 0; y < side; y++) {
    const row = luma.subarray(y * side, (y + 1) * side);
    const [low, high] = [Math.min(...row), Math.max(...row)];
    if (high - low <= 2 && low > 20 && high < 235) blank++;
  }
  return blank / side;
}
