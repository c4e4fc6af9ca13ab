import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

export type Label = 'benign' | 'malignant';

export interface LabelledImage {
  /** Stable id: HAM image id, or the isic-extra relative file. */
  id: string;
  file: string;
  label: Label;
  /** Lesion group for HAM images (used to keep folds lesion-disjoint); the image id otherwise. */
  group: string;
}

/** The image sets the training uses; `ham-test` is read only for the final report. */
export type ImageSet = 'ham-train' | 'ham-val' | 'ham-test' | 'isic-train' | 'isic-val';
export const IMAGE_SETS: readonly ImageSet[] = ['ham-val', 'ham-test', 'ham-train', 'isic-train', 'isic-val'];

function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

export function listImageSet(dataDir: string, set: ImageSet): LabelledImage[] {
  const [source, split] = set.split('-') as ['ham' | 'isic', string];
  if (source === 'ham') {
    return readCsv(path.join(dataDir, 'ham10000', 'split.csv'))
      .filter((row) => row.split === split)
      .map((row) => ({
        id: row.image_id!,
        file: path.join(dataDir, 'ham10000', 'images', `${row.image_id}.jpg`),
        label: row.label as Label,
        group: row.lesion_id!,
      }));
  }
  return readCsv(path.join(dataDir, 'isic-extra', 'labels.csv'))
    .filter((row) => row.split === split)
    .map((row) => ({
      id: row.file!,
      file: path.join(dataDir, 'isic-extra', row.file!),
      label: row.label as Label,
      group: row.file!,
    }));
}

/** The 14 full-size fixtures (600x450 HAM10000 test images): for checks of the camera route, never for training or tuning. */
export function listFixtures(dataDir: string): LabelledImage[] {
  return readCsv(path.join(dataDir, 'fixtures', 'labels.csv')).map((row) => ({
    id: row.image_id!,
    file: path.join(dataDir, 'fixtures', row.file!),
    label: row.label as Label,
    group: row.lesion_id!,
  }));
}
