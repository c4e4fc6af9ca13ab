/**
 * Expected calibration error of p(malignant): predictions are put in `bins` equal-width bins,
 * and the gap between mean predicted probability and observed malignant fraction is averaged,
 * weighted by the share of predictions in each bin.
 */
export function expectedCalibrationError(truth: readonly boolean[], probabilities: readonly number[], bins = 10): number {
  if (truth.length === 0) return Number.NaN;
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  const count = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    const bin = Math.min(bins - 1, Math.floor(p * bins));
    sumP[bin]! += p;
    sumY[bin]! += truth[i]! ? 1 : 0;
    count[bin]!++;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b]! > 0) ece += (count[b]! / truth.length) * Math.abs(sumP[b]! / count[b]! - sumY[b]! / count[b]!);
  }
  return ece;
}
