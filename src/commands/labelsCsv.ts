import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { UserError } from '../errors.js';
import { describeReadFailure, readRegularFile } from '../regularFile.js';
import { escapeControlCharacters } from '../text.js';

/** Far above any labels file (HAM10000's 10,015 rows are 0.6 MB); parsing one CSV line of this much takes several times it in memory. */
const MAX_LABELS_BYTES = 64 * 1024 * 1024;

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
    text = (await readRegularFile(csvPath, { maxBytes: MAX_LABELS_BYTES })).toString('utf8');
  } catch (error) {
    throw new UserError(`The labels file ${escapeControlCharacters(csvPath)} cannot be read: ${describeReadFailure(error)}`);
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
