/** What a DICOM status code (C-STORE's, or a STOW-RS Failure or Warning Reason) means for a stored object. */
export type StatusClass = 'stored' | 'warning' | 'refused' | 'failed';

/**
 * PS3.4 B.2.3 and PS3.7 C: Success, and Duplicate SOP Instance (the PACS holds it already), are stored;
 * warnings (0xBxxx, 0x0001, 0x0107, 0x0116) are stored too; out of resources (0xA7xx), a data set that
 * does not match its SOP class (0xA9xx), one that cannot be understood (0xCxxx) and an unsupported SOP
 * class (0x0122) are refusals that sending the same object again would not change. Any other failure
 * (a processing failure, say) is tried again.
 */
export function classifyStatus(code: number): StatusClass {
  if (code === 0x0000 || code === 0x0111) return 'stored';
  if ((code & 0xf000) === 0xb000 || code === 0x0001 || code === 0x0107 || code === 0x0116) return 'warning';
  if ((code & 0xff00) === 0xa700 || (code & 0xff00) === 0xa900 || (code & 0xf000) === 0xc000 || code === 0x0122) return 'refused';
  return 'failed';
}

const MEANINGS: [test: (code: number) => boolean, meaning: string][] = [
  [(code) => code === 0xb000, 'coercion of data elements'],
  [(code) => code === 0xb006, 'elements discarded'],
  [(code) => code === 0xb007, 'data set does not match SOP class'],
  [(code) => (code & 0xff00) === 0xa700, 'out of resources'],
  [(code) => (code & 0xff00) === 0xa900, 'data set does not match SOP class'],
  [(code) => (code & 0xf000) === 0xc000, 'cannot understand'],
  [(code) => code === 0x0110, 'processing failure'],
  [(code) => code === 0x0122, 'SOP class not supported'],
  [(code) => code === 0x0124, 'not authorized'],
];

/** "0xa700 out of resources": the code as PS3.7 writes it, with its meaning where known. */
export function describeStatus(code: number): string {
  const meaning = MEANINGS.find(([test]) => test(code))?.[1];
  return `0x${code.toString(16).padStart(4, '0')}${meaning ? ` ${meaning}` : ''}`;
}
