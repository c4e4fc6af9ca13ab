import { parseQualityReasons } from '../store/records.js';
import type { Capture } from '../store/sessionLog.js';

/** What the operator should do with an answer; the words lead, the numbers back them. */
export type Action = 'refer' | 'no-referral' | 'retake-or-refer' | 'retake';

export interface Verdict {
  action: Action;
  headline: string;
  advice: string;
  colour: 'red' | 'green' | 'yellow' | 'magenta';
  /** Probability, threshold and uncertain band, all in percent; absent for a refused picture. */
  percent?: { p: number; threshold: number; band?: { low: number; high: number } };
  reasons: string[];
  captureId: string;
  model: string;
  latencyMs: number | null;
  bodySite: string | null;
  note: string | null;
}

const ACTIONS: Record<string, Pick<Verdict, 'action' | 'headline' | 'advice' | 'colour'>> = {
  malignant: {
    action: 'refer',
    headline: 'REFER to a clinician',
    advice: 'The model scores this lesion above its threshold. It is not a diagnosis.',
    colour: 'red',
  },
  benign: {
    action: 'no-referral',
    headline: 'NO REFERRAL SUGGESTED',
    advice: 'Below the threshold. This never rules out skin cancer: any concern goes to a clinician.',
    colour: 'green',
  },
  uncertain: {
    action: 'retake-or-refer',
    headline: 'UNCERTAIN: retake, or refer',
    advice: 'Too close to the threshold to call.',
    colour: 'yellow',
  },
  rejected: {
    action: 'retake',
    headline: 'RETAKE: not judged',
    advice: 'r withdraws this picture, then space takes another.',
    colour: 'magenta',
  },
};

/** What to do with an answer of this label, in the words the screen leads with (`malignant`: REFER to a clinician); `classify` prints them too. */
export function actionOf(label: string): Pick<Verdict, 'action' | 'headline' | 'advice' | 'colour'> {
  return ACTIONS[label] ?? ACTIONS.rejected!;
}

/** Each action in a word or two, for lists where the headline does not fit (history, lesions). */
export const ACTION_WORDS: Record<Action, string> = { refer: 'REFER', 'no-referral': 'no referral', 'retake-or-refer': 'UNCERTAIN', retake: 'RETAKE' };

/** A capture's answer in a list: its action in words, and p(malignant) when it was judged. */
export function shortVerdict(capture: Capture): string {
  const { action, percent: shown } = verdictOf(capture);
  return shown ? `${ACTION_WORDS[action]} ${Math.round(shown.p)}%` : ACTION_WORDS[action];
}

const percent = (value: number) => Math.round(value * 1000) / 10;

/** The screen's view of a logged capture. */
export function verdictOf(capture: Capture): Verdict {
  const action = actionOf(capture.label);
  const answered = capture.label !== 'rejected' && capture.p_malignant !== null && capture.threshold !== null;
  const band = capture.uncertain_low !== null && capture.uncertain_high !== null ? { low: percent(capture.uncertain_low), high: percent(capture.uncertain_high) } : undefined;
  return {
    ...action,
    percent: answered ? { p: percent(capture.p_malignant!), threshold: percent(capture.threshold!), band } : undefined,
    reasons: parseQualityReasons(capture.quality_reasons),
    captureId: capture.id,
    model: `${capture.model_name}@${capture.model_sha256.slice(0, 12)} · ${capture.backend}`,
    latencyMs: capture.latency_ms === null ? null : Math.round(capture.latency_ms),
    bodySite: capture.body_site,
    note: capture.note,
  };
}
