import type { Classifier } from '../../src/classifier/classifier.js';
import { NOT_A_LESION } from '../../src/classifier/decision.js';
import { expandImageInputs } from '../../src/commands/imageFiles.js';
import { UserError } from '../../src/errors.js';

/** How the model answered a set of pictures: how many it refused, and why. */
export interface RefusalTally {
  images: number;
  unreadable: number;
  notALesion: number;
  /** Rejected by the quality gate and not as "not a lesion". */
  qualityOnly: number;
  uncertain: number;
  /** How often each reason was given among the rejected pictures. */
  reasons: Record<string, number>;
}

export async function tallyRefusals(classifier: Classifier, files: string[]): Promise<RefusalTally> {
  const tally: RefusalTally = { images: 0, unreadable: 0, notALesion: 0, qualityOnly: 0, uncertain: 0, reasons: {} };
  for (const file of files) {
    try {
      const { label, quality } = await classifier.classifyFile(file);
      tally.images++;
      if (quality.reasons.includes(NOT_A_LESION)) tally.notALesion++;
      else if (label === 'rejected') tally.qualityOnly++;
      else if (label === 'uncertain') tally.uncertain++;
      for (const reason of quality.reasons) tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1;
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      tally.unreadable++;
    }
  }
  return tally;
}

/** The image files in folders (unreadable entries left out). */
export async function imageFilesIn(folders: string[]): Promise<string[]> {
  return (await expandImageInputs(folders)).flatMap((input) => ('error' in input ? [] : [input.file]));
}

/**
 * Share of real photos that are not skin lesions (folders of them) that the model refuses: as
 * "not a lesion", and by any rejection, for the model card. Unreadable files are left out.
 */
export async function refusalRates(classifier: Classifier, folders: string[]): Promise<Record<string, number>> {
  if (folders.length === 0) return {};
  const tally = await tallyRefusals(classifier, await imageFilesIn(folders));
  return {
    non_lesion_photos: tally.images,
    non_lesion_rejected_as_not_a_lesion: tally.notALesion / tally.images,
    non_lesion_rejected: (tally.notALesion + tally.qualityOnly) / tally.images,
  };
}
