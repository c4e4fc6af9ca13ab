/**
 * Compares two `classify --json` outputs image by image: the same label, p(malignant) within
 * 0.001 and the "not a lesion" score within 0.02 (the JSON rounds it to 0.01).
 *   npx tsx scripts/compare-classifications.ts <expected.jsonl> <actual.jsonl> <label>
 * Exits 1 when an image is missing or differs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface Line {
  file: string;
  label?: string;
  p_malignant?: number;
  ood?: { score: number };
  error?: string;
}

const P_TOLERANCE = 1e-3;
const OOD_TOLERANCE = 2e-2; // the JSON rounds the score to 0.01

const [expectedFile, actualFile, label] = process.argv.slice(2);
const read = (file: string) =>
  new Map(readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((text) => {
    const line = JSON.parse(text) as Line;
    return [path.basename(line.file), line] as const;
  }));
const expected = read(expectedFile!);
const actual = read(actualFile!);
const problems: string[] = [];
let largestP = 0;
let largestOod = 0;
for (const [file, want] of expected) {
  const got = actual.get(file);
  if (!got) {
    problems.push(`${file}: missing`);
    continue;
  }
  if (want.error || got.error) {
    if (want.error !== got.error) problems.push(`${file}: error "${got.error}" where "${want.error}"`);
    continue;
  }
  const pGap = Math.abs(got.p_malignant! - want.p_malignant!);
  const oodGap = Math.abs((got.ood?.score ?? 0) - (want.ood?.score ?? 0));
  largestP = Math.max(largestP, pGap);
  largestOod = Math.max(largestOod, oodGap);
  if (got.label !== want.label) problems.push(`${file}: ${got.label} where ${want.label}`);
  if (pGap > P_TOLERANCE) problems.push(`${file}: p(malignant) differs by ${pGap}`);
  if (oodGap > OOD_TOLERANCE) problems.push(`${file}: "not a lesion" score differs by ${oodGap}`);
}
console.log(`${label}: ${expected.size} images, largest p(malignant) gap ${largestP.toExponential(2)}, largest "not a lesion" score gap ${largestOod.toExponential(2)}: ${problems.length === 0 ? 'same answers' : 'DIFFERENT'}`);
for (const problem of problems) console.log(`  ${problem}`);
process.exitCode = problems.length === 0 ? 0 : 1;
