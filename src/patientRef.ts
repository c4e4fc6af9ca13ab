/**
 * What a patient reference may be. It becomes the object's Patient ID (0010,0020), a DICOM LO: one
 * value of at most 64 characters (bytes, in UTF-8), with no backslash (the value separator) and no
 * control character. And it is a pseudonymous code, never a name: letters, spaces and a name's
 * punctuation with no digit at all read as a name ("Maria Lopez", "O'Brien, Ann") and are refused
 * where the operator types it; a code has a digit.
 */

/** LO's limit (PS3.5 6.2). Counted in bytes: with Specific Character Set ISO_IR 192 a character may take up to four. */
export const PATIENT_ID_MAX_BYTES = 64;

/** What makes a reference unfit to be a Patient ID, as a clause ("holds a backslash, …"); undefined when it is fit. Logged references too. */
export function patientIdProblem(ref: string): string | undefined {
  if (/[\u0000-\u001f\u007f-\u009f]/.test(ref)) return 'holds a control character';
  if (ref.includes('\\')) return 'holds a backslash, which DICOM reads as a second value';
  if (Buffer.byteLength(ref, 'utf8') > PATIENT_ID_MAX_BYTES) return `is longer than the ${PATIENT_ID_MAX_BYTES} characters of a DICOM Patient ID (accented letters count twice)`;
  return undefined;
}

/** Why the operator may not enter `ref`, in one sentence; undefined when it is a fit pseudonymous code. */
export function patientRefProblem(ref: string): string | undefined {
  const problem = patientIdProblem(ref);
  if (problem) return `This patient reference ${problem}.`;
  if (looksLikeAName(ref)) return 'A patient reference is a pseudonymous code with a digit in it, never a name.';
  return undefined;
}

function looksLikeAName(ref: string): boolean {
  return /^[\p{L}\p{M}\s'’.,-]+$/u.test(ref);
}
