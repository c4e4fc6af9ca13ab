/**
 * Area under the ROC curve as the Mann-Whitney statistic: the probability that a random
 * positive scores above a random negative, ties counting one half. NaN with a single class.
 */
export function rocAuc(truth: readonly boolean[], scores: readonly number[]): number {
  const order = scores.map((score, i) => ({ score, positive: truth[i]! })).sort((a, b) => a.score - b.score);
  let positives = 0;
  let rankSumPositives = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && order[end]!.score === order[start]!.score) end++;
    const averageRank = (start + 1 + end) / 2; // ranks start..end-1 are tied, 1-based
    for (let i = start; i < end; i++) {
      if (order[i]!.positive) {
        positives++;
        rankSumPositives += averageRank;
      }
    }
    start = end;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}
