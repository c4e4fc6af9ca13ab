import { formatPercent } from '../text.js';

/**
 * How a followed lesion's answers changed between visits: the flag that asks for a look, and a
 * small chart of p(malignant) per visit with the threshold drawn. Only answered visits count: a
 * refused picture says nothing about the lesion.
 */
export interface Visit {
  captured_at: string;
  p_malignant: number | null;
  threshold: number | null;
  label: string;
}

/** A rise in p(malignant) by at least this much since the last visit is flagged even below the threshold. */
export const NOTABLE_RISE = 0.1;

/** A probability in whole percent, as the lesion screens and the flag write it. */
export const percent = (p: number) => formatPercent(p, 0);

/** Visits with an answer (benign, malignant or uncertain), oldest first. */
export function answeredVisits<V extends Visit>(visits: readonly V[]): V[] {
  return visits.filter((visit) => visit.p_malignant !== null && visit.label !== 'rejected').sort((a, b) => a.captured_at.localeCompare(b.captured_at));
}

/**
 * Where a lesion is: the site it was made at, or, for one made before its capture had a site
 * (a lesion made with l, then b on its capture), the site its visits were given since.
 */
export function siteOfLesion(lesion: { body_site: string | null }, visits: readonly { body_site: string | null }[]): string | null {
  return lesion.body_site ?? visits.find((visit) => visit.body_site)?.body_site ?? null;
}

/** What a lesion list shows of a lesion's visits (oldest first): how many, the latest answer and the flag. */
export function summariseVisits<V extends Visit>(visits: readonly V[]): { count: number; lastSeen?: string; latest?: V; flag?: string } {
  return { count: visits.length, lastSeen: visits.at(-1)?.captured_at, latest: answeredVisits(visits).at(-1), flag: changeFlag(visits) };
}

/**
 * Why the latest visit deserves a look, in words, or undefined: its answer crossed the threshold
 * since the visit before, or p(malignant) rose by `NOTABLE_RISE` or more.
 */
export function changeFlag(visits: readonly Visit[]): string | undefined {
  const answered = answeredVisits(visits);
  if (answered.length < 2) return undefined;
  const [before, latest] = answered.slice(-2) as [Visit, Visit];
  const [p0, p1] = [before.p_malignant!, latest.p_malignant!];
  const threshold = latest.threshold ?? before.threshold;
  const change = `${percent(p0)} → ${percent(p1)}`;
  if (threshold !== null && p0 < threshold && p1 >= threshold) return `Crossed the threshold (${percent(threshold)}) since the last visit: p(malignant) ${change}.`;
  if (threshold !== null && p0 >= threshold && p1 < threshold) return `Fell below the threshold (${percent(threshold)}) since the last visit: p(malignant) ${change}.`;
  if (p1 - p0 >= NOTABLE_RISE) return `Rose by ${Math.round((p1 - p0) * 100)} points since the last visit: p(malignant) ${change}.`;
  return undefined;
}

/** Why a lesion has no change flagged, in words: too few answered visits to compare, or no notable change. */
export function noChangeReason(visits: readonly Visit[]): string {
  const answered = answeredVisits(visits).length;
  if (answered === 0) return 'No answered visit yet: nothing to compare.';
  if (answered > 1) return 'No change flagged since the visit before.';
  return visits.length === 1 ? 'Only one visit so far: nothing to compare it with.' : 'Only one visit with an answer so far: nothing to compare it with.';
}

const EIGHTHS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * p(malignant) per answered visit as a bar chart of `height` text rows (in eighths of a row), one
 * column of two cells per visit, oldest left, with the threshold as a line across the rows where
 * no bar covers it; the axis on the left gives 100% and the threshold.
 */
export function probabilityChart(visits: readonly Visit[], height: number): string[] {
  const answered = answeredVisits(visits);
  const threshold = answered.at(-1)?.threshold ?? null;
  const thresholdRow = threshold === null ? -1 : Math.min(height - 1, Math.floor(threshold * height));
  const lines: string[] = [];
  for (let row = height - 1; row >= 0; row--) {
    const axis = row === thresholdRow ? percent(threshold!).padStart(4) : row === height - 1 ? '100%' : '';
    const cells = answered.map((visit) => {
      const eighths = Math.round(Math.min(1, Math.max(0, visit.p_malignant! * height - row)) * 8);
      return eighths === 0 && row === thresholdRow ? '──' : EIGHTHS[eighths]!.repeat(2);
    });
    lines.push(`${axis.padStart(4)} ┤${cells.join(row === thresholdRow ? '─' : ' ')}`);
  }
  return lines;
}
