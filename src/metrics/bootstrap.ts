/** A small seeded generator (mulberry32), so that intervals are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Percentile bootstrap 95% interval of `statistic` over resamples of the items. When `groups`
 * is given (lesion ids), whole groups are resampled, since images of one lesion are not
 * independent. Resamples where the statistic is undefined (NaN) are skipped.
 */
export function bootstrapInterval(
  itemCount: number,
  statistic: (indices: number[]) => number,
  options: { iterations?: number; seed?: number; groups?: readonly string[] } = {},
): Interval {
  const { iterations = 1000, seed = 1, groups } = options;
  const clusters = clustersOf(itemCount, groups);
  const random = seededRandom(seed);
  const values: number[] = [];
  for (let iteration = 0; iteration < iterations; iteration++) {
    const indices: number[] = [];
    for (let k = 0; k < clusters.length; k++) indices.push(...clusters[Math.floor(random() * clusters.length)]!);
    const value = statistic(indices);
    if (!Number.isNaN(value)) values.push(value);
  }
  if (values.length === 0) return { low: Number.NaN, high: Number.NaN };
  values.sort((a, b) => a - b);
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))]!;
  return { low: at(0.025), high: at(0.975) };
}

function clustersOf(itemCount: number, groups?: readonly string[]): number[][] {
  if (!groups) return Array.from({ length: itemCount }, (_, i) => [i]);
  const byGroup = new Map<string, number[]>();
  groups.forEach((group, i) => {
    const members = byGroup.get(group);
    if (members) members.push(i);
    else byGroup.set(group, [i]);
  });
  return [...byGroup.values()];
}
