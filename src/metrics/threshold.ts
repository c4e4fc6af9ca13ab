/**
 * The highest threshold at which sensitivity (recall of malignant) is at least `target`:
 * the most specific operating point that still meets the sensitivity goal.
 */
export function thresholdForSensitivity(truth: readonly boolean[], scores: readonly number[], target: number): number {
  const positiveScores = scores.filter((_, i) => truth[i]).sort((a, b) => b - a);
  if (positiveScores.length === 0) throw new Error('no malignant examples to set a threshold on');
  const needed = Math.ceil(target * positiveScores.length);
  return positiveScores[Math.max(needed, 1) - 1]!;
}
