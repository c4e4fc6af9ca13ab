import type { Classifier } from '../../src/classifier/classifier.js';
import { NOT_A_LESION } from '../../src/classifier/decision.js';
import { expandImageInputs } from '../../src/commands/imageFiles.js';
import { UserError } from '../../src/errors.js';

/**
 * Share of real photos that are not skin lesions (folders of them) that the model refuses: as
 * "not a lesion", and by any rejection. Unreadable files are left out.
 */
export async function refusalRates(classifier: Classifier, folders: string[]): Promise<Record<string, number>> {
  if (folders.length === 0) return {};
  const files = (await expandImageInputs(folders)).flatMap((input) => ('error' in input ? [] : [input.file]));
  let classified = 0;
  let notALesion = 0;
  let rejected = 0;
  for (const file of files) {
    try {
      const prediction = await classifier.classifyFile(file);
      classified++;
      if (prediction.quality.reasons.includes(NOT_A_LESION)) notALesion++;
      if (prediction.label === 'rejected') rejected++;
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
    }
  }
  return { non_lesion_photos: classified, non_lesion_rejected_as_not_a_lesion: notALesion / classified, non_lesion_rejected: rejected / classified };
}
