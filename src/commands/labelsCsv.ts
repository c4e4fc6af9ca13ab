import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError } from '../errors.js';

export interface LabelledFile {
  file: string;
  malignant: boolean;
  /** Lesion id when the CSV has a `lesion_id` column: bootstrap intervals then resample lesions. */
  group?: string;
}

/** Reads an eval labels CSV (`file,label[,lesion_id]`); `file` is relative to `imagesDir`. */
export async function readLabelsCsv(csvPath: string, imagesDir: string = path.dirname(csvPath)): Promise<LabelledFile[]> {
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch {
    throw new UserError(`The labels file ${csvPath} does not exist or cannot be read.`);
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true }) as Record<string, string>[];
  } catch (error) {
    throw new UserError(`The labels file ${csvPath} is not valid CSV (${(error as Error).message.split('\n')[0]}).`);
  }
  if (rows.length === 0) throw new UserError(`The labels file ${csvPath} has no rows.`);
  const missing = ['file', 'label'].filter((column) => !(column in rows[0]!));
  if (missing.length > 0) throw new UserError(`The labels file ${csvPath} lacks the column ${missing.join(' and ')} (it needs a header with file,label).`);
  return rows.map((row, index) => {
    const label = row.label!.toLowerCase();
    if (label !== 'benign' && label !== 'malignant') {
      throw new UserError(`Row ${index + 2} of ${csvPath} has the label "${row.label}"; use benign or malignant.`);
    }
    return { file: path.join(imagesDir, row.file!), malignant: label === 'malignant', ...(row.lesion_id ? { group: row.lesion_id } : {}) };
  });
}
