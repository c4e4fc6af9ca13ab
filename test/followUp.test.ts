import { describe, expect, it } from 'vitest';
import { changeFlag, noChangeReason, probabilityChart, type Visit } from '../src/lesions/followUp.js';

const visit = (month: number, p: number | null, label = 'benign'): Visit => ({ captured_at: `2026-0${month}-01T10:00:00.000Z`, p_malignant: p, threshold: 0.2, label });

describe('following a lesion', () => {
  it('flags a crossing of the threshold, a fall below it and a notable rise, in words', () => {
    expect(changeFlag([visit(1, 0.1), visit(2, 0.35, 'malignant')])).toBe('Crossed the threshold (20%) since the last visit: p(malignant) 10% → 35%.');
    expect(changeFlag([visit(1, 0.35, 'malignant'), visit(2, 0.1)])).toBe('Fell below the threshold (20%) since the last visit: p(malignant) 35% → 10%.');
    expect(changeFlag([visit(1, 0.02), visit(2, 0.13)])).toBe('Rose by 11 points since the last visit: p(malignant) 2% → 13%.');
    expect(changeFlag([visit(1, 0.1), visit(2, 0.15)])).toBeUndefined();
    expect(changeFlag([visit(1, 0.1)])).toBeUndefined();
  });

  it('says why nothing is flagged: one visit has nothing to compare with, two unflagged visits have no notable change', () => {
    expect(noChangeReason([visit(1, 0.1)])).toBe('Only one visit so far: nothing to compare it with.');
    expect(noChangeReason([visit(1, 0.1), visit(2, null, 'rejected')])).toBe('Only one visit with an answer so far: nothing to compare it with.');
    expect(noChangeReason([visit(1, null, 'rejected')])).toBe('No answered visit yet: nothing to compare.');
    expect(noChangeReason([visit(1, 0.1), visit(2, 0.15)])).toBe('No change flagged since the visit before.');
  });

  it('compares answered visits only, in time order, whatever order they come in', () => {
    // the refused picture between them says nothing about the lesion
    expect(changeFlag([visit(3, 0.4, 'rejected'), visit(2, 0.3, 'malignant'), visit(1, 0.1)])).toMatch(/^Crossed the threshold .* 10% → 30%\.$/);
    expect(changeFlag([visit(1, 0.1), visit(2, null, 'rejected')])).toBeUndefined();
  });

  it('charts p(malignant) per visit in eighths of a row, with the threshold across', () => {
    const chart = probabilityChart([visit(1, 0.05), visit(2, 0.5, 'malignant'), visit(3, 0.0)], 4);
    // 4 rows of 25% each: the threshold (20%) falls in the bottom row, which the bars of 5% and 50% cover in part and in whole
    expect(chart).toEqual([
      '100% ┤        ',
      '     ┤        ',
      '     ┤   ██   ',
      ' 20% ┤▂▂─██───',
    ]);
  });
});
