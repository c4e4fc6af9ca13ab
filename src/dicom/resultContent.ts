import { parseQualityReasons, type Capture } from '../store/records.js';
import { formatPercent } from '../text.js';
import { longText } from './vrText.js';

/** The lesion a capture shows, as the object names it: the app's label (L1, L2, …) and a UID of its own. */
export interface TrackedLesion {
  label: string;
  uid: string;
}

/** dermacam's own codes for what no standard code names (PS3.16 8.2: a designator beginning with 99 is private). */
export const LOCAL_CODING_SCHEME = {
  CodingSchemeDesignator: '99DERMACAM',
  CodingSchemeName: 'dermacam result codes',
  CodingSchemeResponsibleOrganization: 'dermacam',
};

const code = (value: string, scheme: string, meaning: string) => [{ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning }];
const local = (value: string, meaning: string) => code(value, LOCAL_CODING_SCHEME.CodingSchemeDesignator, meaning);
const text = (concept: ReturnType<typeof code>, value: string) => ({ ValueType: 'TEXT', ConceptNameCodeSequence: concept, TextValue: longText(value) });
const percent = (concept: ReturnType<typeof code>, value: number) => ({
  ValueType: 'NUMERIC',
  ConceptNameCodeSequence: concept,
  NumericValue: (value * 100).toFixed(2),
  MeasurementUnitsCodeSequence: code('%', 'UCUM', 'percent'),
});

const asPercent = (value: number | null) => (value === null ? 'none' : formatPercent(value));

/** The classifier's result in a line that PACS viewers show whole: the verdict, never the detail (that is in `resultItems`). */
export function resultSummary(capture: Capture, lesion: TrackedLesion | undefined): string {
  const parts = [
    `dermacam ${capture.label}, p(malignant) ${asPercent(capture.p_malignant)}, threshold ${asPercent(capture.threshold)}`,
    ...(capture.quality_ok ? [] : ['picture refused by the quality check']),
    ...(lesion ? [`lesion ${lesion.label}`] : []),
    'research use, not a diagnosis',
  ];
  return parts.join('; ');
}

/**
 * The result in full as content items of the Acquisition Context Sequence (0040,0555), the one place of the VL
 * Photographic Image for coded, structured values: the lesion's Tracking Identifier and UID (DCM 112039,
 * 112040), the algorithm (DCM 111001, 111003), and dermacam's own items for the label, the probabilities, the
 * quality verdict, the note and the image's sha256.
 */
export function resultItems(capture: Capture, lesion: TrackedLesion | undefined): object[] {
  const reasons = parseQualityReasons(capture.quality_reasons);
  return [
    ...(lesion
      ? [text(code('112039', 'DCM', 'Tracking Identifier'), lesion.label), { ValueType: 'UIDREF', ConceptNameCodeSequence: code('112040', 'DCM', 'Tracking Unique Identifier'), UID: lesion.uid }]
      : []),
    text(code('111001', 'DCM', 'Algorithm Name'), capture.model_name),
    text(code('111003', 'DCM', 'Algorithm Version'), `${capture.model_version ?? ''} ${capture.model_sha256.slice(0, 12)} on ${capture.backend}`.trim()),
    text(local('LABEL', 'Classifier label'), capture.label),
    ...(capture.p_malignant === null ? [] : [percent(local('PMAL', 'Probability of malignancy'), capture.p_malignant)]),
    ...(capture.threshold === null ? [] : [percent(local('THRESHOLD', 'Decision threshold'), capture.threshold)]),
    ...(capture.uncertain_low === null || capture.uncertain_high === null
      ? []
      : [percent(local('UNCERTAIN-LOW', 'Uncertain band, lower bound'), capture.uncertain_low), percent(local('UNCERTAIN-HIGH', 'Uncertain band, upper bound'), capture.uncertain_high)]),
    text(local('QUALITY', 'Image quality check'), capture.quality_ok ? 'ok' : `refused: ${reasons.join('; ')}`),
    ...(capture.body_site ? [text(local('SITE', 'Body site as entered'), capture.body_site)] : []),
    ...(capture.note ? [text(local('NOTE', "Operator's note"), capture.note)] : []),
    text(local('SHA256', 'Image sha256'), capture.image_sha256),
  ];
}
