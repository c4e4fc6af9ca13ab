/**
 * The body sites the app offers when a capture is annotated, each with its SNOMED CT code (the
 * concepts and meanings of DICOM's CID 4031 "Common Anatomic Regions" and CID 4), so that a PACS
 * can file the picture by where it was taken. Any other text is kept as typed, uncoded.
 */
export interface CodedConcept {
  code: string;
  meaning: string;
}

export interface BodySite extends CodedConcept {
  /** What the operator types or picks, e.g. "left forearm". */
  name: string;
  /** For a paired site: the SNOMED CT laterality qualifier. */
  laterality?: CodedConcept;
}

const MIDLINE_SITES: [string, string, string][] = [
  ['scalp', '41695006', 'Scalp'],
  ['face', '89545001', 'Face'],
  ['neck', '45048000', 'Neck'],
  ['chest', '816094009', 'Chest'],
  ['abdomen', '818981001', 'Abdomen'],
  ['back', '77568009', 'Back'],
];

const PAIRED_SITES: [string, string, string][] = [
  ['ear', '117590005', 'Ear'],
  ['shoulder', '16982005', 'Shoulder'],
  ['upper arm', '40983000', 'Upper arm'],
  ['forearm', '14975008', 'Forearm'],
  ['hand', '85562004', 'Hand'],
  ['finger', '7569003', 'Finger'],
  ['buttock', '46862004', 'Buttock'],
  ['thigh', '68367000', 'Thigh'],
  ['knee', '72696002', 'Knee'],
  ['lower leg', '30021000', 'Lower leg'],
  ['foot', '56459004', 'Foot'],
  ['toe', '29707007', 'Toe'],
];

const SIDES = { left: { code: '7771000', meaning: 'Left' }, right: { code: '24028007', meaning: 'Right' } };

export const BODY_SITES: readonly BodySite[] = [
  ...MIDLINE_SITES.map(([name, code, meaning]) => ({ name, code, meaning })),
  ...PAIRED_SITES.flatMap(([name, code, meaning]) =>
    (['left', 'right'] as const).map((side) => ({ name: `${side} ${name}`, code, meaning, laterality: SIDES[side] })),
  ),
];

const words = (text: string) => text.toLowerCase().trim().split(/\s+/).filter(Boolean);

/** The listed site that `text` names (case and spacing aside), or undefined for free text. */
export function bodySiteNamed(text: string | null | undefined): BodySite | undefined {
  const wanted = words(text ?? '').join(' ');
  return BODY_SITES.find((site) => site.name === wanted);
}

/** The listed sites whose words start with the words typed, in order: "l fore" finds "left forearm". */
export function bodySitesMatching(text: string): string[] {
  const typed = words(text);
  if (typed.length === 0) return [];
  return BODY_SITES.filter((site) => {
    const siteWords = words(site.name);
    let from = 0;
    return typed.every((word) => {
      const at = siteWords.findIndex((siteWord, i) => i >= from && siteWord.startsWith(word));
      from = at + 1;
      return at >= 0;
    });
  }).map((site) => site.name);
}

/**
 * Whether the body site typed is a listed site, which is coded (a PACS can file the picture by it),
 * or free text, kept as typed without a code: a few words for under the form's field; undefined
 * for nothing typed.
 */
export function describeBodySite(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  const site = bodySiteNamed(text);
  if (!site) return 'free text: not coded, kept as typed';
  const side = site.laterality ? `, ${site.laterality.meaning.toLowerCase()}` : '';
  return `listed site (coded: SNOMED CT ${site.code} ${site.meaning}${side})`;
}
