/** What each main-screen key that needs the last capture does to it, in words. */
const LAST_CAPTURE_VERBS: Record<string, string> = { r: 'retake', b: 'annotate', x: 'explain' };

/**
 * Why a main-screen key cannot act now. `sessionStarted`: this session has logged a capture, so
 * with no last capture the last one was withdrawn (a retake), rather than none taken yet.
 */
export function whyKeyCannotAct(key: string, sessionStarted: boolean): string {
  if (key === 'l') return 'A lesion belongs to a patient: plan a session with a patient reference (n), or take a capture first.';
  if (key === 'e') return 'Nothing to export yet: a session starts at its first capture.';
  const verb = LAST_CAPTURE_VERBS[key] ?? 'use';
  if (!sessionStarted) return `No capture to ${verb} yet: press space to take one.`;
  if (key === 'r') return 'No capture to retake: the last one was withdrawn already.';
  return `No capture to ${verb}: the last one was withdrawn; h lists the earlier ones.`;
}
