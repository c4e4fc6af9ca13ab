import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { NOT_A_MEDICAL_DEVICE } from '../../src/disclaimer.js';
import { Header } from '../../src/ui/Header.js';
import { KeyHelp, keyHints } from '../../src/ui/KeyHelp.js';
import { KEYMAP } from '../../src/ui/keymap.js';
import { verdictOf } from '../../src/capture/verdict.js';
import { probabilityBar, ResultPanel } from '../../src/ui/ResultPanel.js';
import { SessionPanel } from '../../src/ui/SessionPanel.js';
import { ConfirmPrompt } from '../../src/ui/ConfirmPrompt.js';
import { eventually, sampleCapture, settle } from './helpers.js';

describe('Header', () => {
  it('shows the camera and the not-a-medical-device notice', () => {
    const { lastFrame } = render(<Header camera="demo" />);
    expect(lastFrame()).toContain('camera: demo');
    expect(lastFrame()).toContain(NOT_A_MEDICAL_DEVICE.slice(0, 30));
  });
});

describe('KeyHelp', () => {
  it('lists every main key of the keymap with what it does, and dims none that can act', () => {
    const keys = keyHints(KEYMAP.main);
    expect(keys.map((hint) => hint.key)).toEqual(['space', 'r', 'n', 'b', 'x', 'l', 'h', 'e', '?', 'q']); // Esc acts, but is not worth a place
    const frame = render(<KeyHelp keys={keys} />).lastFrame()!;
    for (const { key, does } of keys) {
      expect(frame).toContain(key);
      expect(frame).toContain(does);
    }
  });

  it('dims the keys that cannot act now', () => {
    const keys = keyHints(KEYMAP.main, (action) => action !== 'retake');
    expect(keys.find((hint) => hint.key === 'r')).toMatchObject({ enabled: false });
    expect(keys.find((hint) => hint.key === 'space')).toMatchObject({ enabled: true });
  });
});

describe('ResultPanel', () => {
  it('invites a capture when idle', () => {
    expect(render(<ResultPanel state={{ status: 'idle' }} />).lastFrame()).toContain('Press space');
  });

  it('spins while classifying', async () => {
    const { lastFrame } = render(<ResultPanel state={{ status: 'classifying' }} />);
    const first = lastFrame();
    expect(first).toContain('classifying');
    await eventually(() => expect(lastFrame()).not.toBe(first));
  });

  it('leads a malignant result with the action, then probability, threshold and band in percent, model, backend and time', () => {
    const frame = render(<ResultPanel state={{ status: 'done', verdict: verdictOf(sampleCapture()) }} width={90} />).lastFrame()!;
    expect(frame.split('\n')[0]).toBe('REFER to a clinician');
    expect(frame).toContain('p(malignant) 83.0% · threshold 42.0% · uncertain 30.0-50.0%');
    expect(frame).toContain('dermacam-mnv1-075@0123456789ab');
    expect(frame).toContain('wasm');
    expect(frame).toContain('41 ms');
  });

  it('shows benign, and a rejected capture with its reasons and no probability', () => {
    const benign = render(<ResultPanel state={{ status: 'done', verdict: verdictOf(sampleCapture({ label: 'benign', p_malignant: 0.1 })) }} />).lastFrame()!;
    expect(benign).toContain('NO REFERRAL SUGGESTED');
    expect(benign.replace(/\s+/g, ' ')).toContain('never rules out skin cancer');
    const rejected = render(
      <ResultPanel state={{ status: 'done', verdict: verdictOf(sampleCapture({ label: 'rejected', p_malignant: null, quality_ok: 0, quality_reasons: '["too dark"]' })) }} />,
    ).lastFrame()!;
    expect(rejected).toContain('RETAKE: not judged');
    expect(rejected).toContain('too dark');
    expect(rejected).not.toContain('p(malignant)');
  });

  it('shows an error', () => {
    expect(render(<ResultPanel state={{ status: 'error', message: 'Capture failed: no camera' }} />).lastFrame()).toContain('Capture failed: no camera');
  });

  it('draws the bar to the probability with the threshold marked', () => {
    expect(probabilityBar(0.5, 0.8, 10)).toBe('█████░░░│░');
    expect(probabilityBar(1, 0, 4)).toBe('│███');
  });
});

describe('SessionPanel', () => {
  it('shows operator, patient reference and capture count', () => {
    const frame = render(<SessionPanel session={{ id: 'S1', started_at: '', operator: 'alice', patient_ref: 'P-7', captures: 3 }} plan={{ operator: 'alice' }} />).lastFrame()!;
    expect(frame).toContain('alice');
    expect(frame).toContain('P-7');
    expect(frame).toContain('captures: 3');
  });

  it('shows the planned session before its first capture', () => {
    const frame = render(<SessionPanel plan={{ operator: 'bob', patientRef: 'P-9' }} />).lastFrame()!;
    expect(frame).toContain('New session (logged at the first capture)');
    expect(frame).toContain('operator: bob');
    expect(frame).toContain('patient ref: P-9');
  });
});

describe('ConfirmPrompt', () => {
  it('answers yes on y and no on n', async () => {
    const onAnswer = vi.fn();
    const { stdin, lastFrame } = render(<ConfirmPrompt question="Discard?" width={40} onAnswer={onAnswer} />);
    expect(lastFrame()).toContain('Discard? [y/n]');
    await settle();
    stdin.write('n');
    stdin.write('y');
    await eventually(() => expect(onAnswer.mock.calls).toEqual([[false], [true]]));
  });
});
