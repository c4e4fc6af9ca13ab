import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { patientRefProblem } from '../../src/patientRef.js';
import { GENERATED_REF_PREFIX } from '../../src/store/records.js';
import type { Capture } from '../../src/store/sessionLog.js';
import { History } from '../../src/ui/History.js';
import { printable } from '../../src/text.js';
import { TextForm } from '../../src/ui/TextForm.js';
import { eventually, KEYS, sampleCapture, settle } from './helpers.js';

process.env.TZ = 'UTC'; // the history shows local times

const fields = [
  { key: 'operator', label: 'Operator', value: 'alice', required: true },
  { key: 'patient', label: 'Patient reference' },
];

describe('TextForm', () => {
  it('edits fields, moves with Tab and Enter, and submits trimmed values', async () => {
    const onSubmit = vi.fn();
    const { stdin, lastFrame } = render(<TextForm width={98} title="New session" fields={fields} onSubmit={onSubmit} onCancel={() => undefined} onQuit={() => undefined} />);
    await settle();
    stdin.write(KEYS.backspace);
    stdin.write(KEYS.backspace);
    stdin.write('x');
    await eventually(() => expect(lastFrame()).toContain('Operator: alix'));
    stdin.write(KEYS.tab);
    stdin.write(' P-0042 ');
    stdin.write(KEYS.enter);
    await eventually(() => expect(onSubmit).toHaveBeenCalledWith({ operator: 'alix', patient: 'P-0042' }));
  });

  it('takes a pasted chunk with tabs and a return in order', async () => {
    const onSubmit = vi.fn();
    const { stdin } = render(<TextForm width={98} title="t" fields={[{ key: 'a', label: 'A' }, { key: 'b', label: 'B' }]} onSubmit={onSubmit} onCancel={() => undefined} onQuit={() => undefined} />);
    await settle();
    stdin.write('left arm\traised, 4 mm\r');
    await eventually(() => expect(onSubmit).toHaveBeenCalledWith({ a: 'left arm', b: 'raised, 4 mm' }));
  });

  it("offers a field's suggestions: Tab completes what they share, then the one left, and moves on once the text is one", async () => {
    const onSubmit = vi.fn();
    const suggest = (text: string) => ['left forearm', 'left foot'].filter((name) => text.trim() !== '' && name.startsWith(text.trim()));
    const { stdin, lastFrame } = render(
      <TextForm width={98} title="t" fields={[{ key: 'site', label: 'Body site', suggest }, { key: 'note', label: 'Note' }]} onSubmit={onSubmit} onCancel={() => undefined} onQuit={() => undefined} />,
    );
    await settle();
    stdin.write('left f');
    await eventually(() => expect(lastFrame()).toMatch(/Tab → left fo; 2 fit: left forearm, left foot/));
    stdin.write(KEYS.tab);
    await eventually(() => expect(lastFrame()).toContain('Body site: left fo'));
    expect(lastFrame()).toMatch(/2 fit: left forearm, left foot \(type more to pick one\)/);
    stdin.write('r');
    await eventually(() => expect(lastFrame()).toMatch(/Tab → left forearm/));
    stdin.write(KEYS.tab);
    await eventually(() => expect(lastFrame()).toContain('Body site: left forearm'));
    expect(lastFrame()).not.toContain('Tab →');
    stdin.write(KEYS.tab);
    stdin.write('free text stays');
    stdin.write(KEYS.enter);
    await eventually(() => expect(onSubmit).toHaveBeenCalledWith({ site: 'left forearm', note: 'free text stays' }));
  });

  it("refuses a value its field's check finds unfit, in the check's sentence, and submits once it is fixed", async () => {
    const onSubmit = vi.fn();
    const { stdin, lastFrame } = render(
      <TextForm width={98} title="t" fields={[{ key: 'operator', label: 'Operator', value: 'alice' }, { key: 'patient', label: 'Patient ref', check: patientRefProblem }]} onSubmit={onSubmit} onCancel={() => undefined} onQuit={() => undefined} />,
    );
    await settle();
    stdin.write(`${KEYS.tab}Maria Lopez${KEYS.enter}`);
    await eventually(() => expect(lastFrame()).toContain('A patient reference is a pseudonymous code with a digit in it, never a name.'));
    stdin.write(`\u0015AB\\CD${KEYS.enter}`);
    await eventually(() => expect(lastFrame()).toContain('This patient reference holds a backslash, which DICOM reads as a second value.'));
    expect(onSubmit).not.toHaveBeenCalled();
    stdin.write(`\u0015PT-0042${KEYS.enter}`);
    await eventually(() => expect(onSubmit).toHaveBeenCalledWith({ operator: 'alice', patient: 'PT-0042' }));
  });

  it('insists on required fields and cancels on Esc', async () => {
    const onSubmit = vi.fn();
    const onCancel = vi.fn();
    const { stdin, lastFrame } = render(<TextForm width={98} title="t" fields={[{ key: 'operator', label: 'Operator', required: true }]} onSubmit={onSubmit} onCancel={onCancel} onQuit={() => undefined} />);
    await settle();
    stdin.write(KEYS.enter);
    await eventually(() => expect(lastFrame()).toContain('Operator is required.'));
    expect(onSubmit).not.toHaveBeenCalled();
    stdin.write(KEYS.escape);
    await eventually(() => expect(onCancel).toHaveBeenCalled());
  });

  it('takes every key of a burst: backspaces together, Ctrl+W, Ctrl+U and cursor moves', async () => {
    const onSubmit = vi.fn();
    const { stdin, lastFrame } = render(<TextForm width={98} title="t" fields={[{ key: 'operator', label: 'Operator', value: 'rodrigo' }]} onSubmit={onSubmit} onCancel={() => undefined} onQuit={() => undefined} />);
    await settle();
    stdin.write(KEYS.backspace.repeat(4)); // as one chunk, the way tmux and SSH deliver fast keys
    stdin.write('-lee');
    await eventually(() => expect(lastFrame()).toContain('Operator: rod-lee'));
    stdin.write(`${KEYS.left}${KEYS.left}${KEYS.left}${KEYS.left}x`); // cursor moves and an insert in one chunk
    await eventually(() => expect(lastFrame()).toContain('Operator: rodx-lee'));
    stdin.write('\u0005 b\u0017c'); // Ctrl+E to the end, " b", Ctrl+W deletes "b", then "c"
    await eventually(() => expect(lastFrame()).toContain('Operator: rodx-lee c'));
    stdin.write('\u0015slow fast'); // Ctrl+U clears the field
    stdin.write(KEYS.enter);
    await eventually(() => expect(onSubmit).toHaveBeenCalledWith({ operator: 'slow fast' }));
  });

  it('asks before Ctrl+C quits with typed text, and quits at once without', async () => {
    const onQuit = vi.fn();
    const { stdin, lastFrame } = render(<TextForm width={98} title="t" fields={[{ key: 'note', label: 'Note', value: 'kept' }]} onSubmit={() => undefined} onCancel={() => undefined} onQuit={onQuit} />);
    await settle();
    stdin.write('\u0003');
    await eventually(() => expect(onQuit).toHaveBeenCalledTimes(1)); // nothing typed yet: nothing to lose
    stdin.write('!');
    stdin.write('\u0003');
    await eventually(() => expect(lastFrame()).toContain('Ctrl+C again quits and loses what was typed'));
    expect(onQuit).toHaveBeenCalledTimes(1);
    stdin.write('\u0003');
    await eventually(() => expect(onQuit).toHaveBeenCalledTimes(2));
  });

  it('drops control characters, escape sequences included', () => {
    expect(printable('ab\u0007c\u001b[31md\u009b')).toBe('abc[31md');
  });
});

describe('History', () => {
  const sessions = [
    { id: 'S1', started_at: '2026-11-26T09:00:00.000Z', operator: 'alice', patient_ref: 'P-1', captures: 2 },
    { id: 'S2', started_at: '2026-11-27T10:00:00.000Z', operator: 'bob', patient_ref: null, captures: 1 },
  ];
  const captures: Record<string, ReturnType<typeof sampleCapture>[]> = {
    S1: [sampleCapture({ id: 'c1', session_id: 'S1', label: 'benign', p_malignant: 0.12 }), sampleCapture({ id: 'c2', session_id: 'S1', body_site: 'back' })],
    S2: [sampleCapture({ id: 'c3', session_id: 'S2' }), sampleCapture({ id: 'c4', session_id: 'S2', withdrawn_at: '2026-11-27T10:05:00.000Z', withdrawn_reason: 'retake' })],
  };
  const source = { dataDir: '/data', sessions: () => [...sessions], captures: (id: string) => captures[id] ?? [], now: () => new Date('2026-11-28T12:00:00.000Z') };

  /** The history at `columns`, with a thumbnail that names the capture it draws. */
  function renderHistory({ columns = 120, sessionsOf = source.sessions, drawPicture = vi.fn(async (capture: Capture) => `THUMB ${capture.id}`) } = {}) {
    const handlers = { onMove: vi.fn(), onAct: vi.fn(), onSay: vi.fn(), onClose: vi.fn() };
    const app = render(<History source={{ ...source, sessions: sessionsOf }} columns={columns} rows={20} drawPicture={drawPicture} {...handlers} />);
    return { ...app, ...handlers, drawPicture };
  }

  it("names the year of an earlier year's session only", () => {
    const lastYear = { id: 'S0', started_at: '2025-12-31T12:00:00.000Z', operator: 'carol', patient_ref: 'P-9', captures: 3 };
    const { lastFrame } = renderHistory({ sessionsOf: () => [...sessions, lastYear] });
    expect(lastFrame()).toMatch(/^\d\d-\d\d \d\d:00 bob \(1\)/m);
    expect(lastFrame()).toMatch(/^2025-12-31 \d\d:\d\d carol \(3\) P-9/m);
  });

  it('shows a patient reference whole where there is room, and cuts it, marked, where there is not', () => {
    const long = { id: 'S3', started_at: '2026-11-27T11:00:00.000Z', operator: 'dan', patient_ref: 'MRN-0048813', captures: 1 };
    const longName = { id: 'S5', started_at: '2026-11-27T13:00:00.000Z', operator: 'alexandra.b', patient_ref: 'P-5', captures: 2 };
    const generated = { id: 'S4', started_at: '2026-11-27T12:00:00.000Z', operator: 'eve', patient_ref: `${GENERATED_REF_PREFIX}2026-11-27-7f3a9`, captures: 1 };
    const all = () => [...sessions, long, generated, longName];
    const wide = renderHistory({ sessionsOf: all }).lastFrame();
    expect(wide).toMatch(/dan \(1\) MRN-0048813/); // whole at 120 columns
    expect(wide).toMatch(/eve \(1\) …[\d-]+7f3a9/); // a generated one keeps its end, which tells sessions apart
    expect(wide).toMatch(/alexand… \(2\) P-5/);
    const narrow = renderHistory({ columns: 64, sessionsOf: all }).lastFrame();
    expect(narrow).toMatch(/dan \(1\) MRN-\d*…/);
    expect(narrow).toMatch(/alice \(2\) P-1/);
  });

  it('lists sessions newest first, opens one, and shows the selected capture with its thumbnail', async () => {
    const { stdin, lastFrame, onClose, onMove, drawPicture } = renderHistory();
    const frame = lastFrame()!;
    expect(frame.indexOf('bob')).toBeLessThan(frame.indexOf('alice'));
    await settle();
    stdin.write(KEYS.down); // alice's session
    await eventually(() => expect(lastFrame()).toContain('no referral 12%'));
    stdin.write(KEYS.right);
    await eventually(() => expect(lastFrame()).toContain('THUMB c1'));
    expect(drawPicture).toHaveBeenCalledWith(expect.objectContaining({ id: 'c1' }), expect.any(Number), expect.any(Number));
    expect(onMove).toHaveBeenLastCalledWith({ session: 1, capture: 0 }, expect.objectContaining({ id: 'c1' }));
    stdin.write(KEYS.down);
    await eventually(() => expect(lastFrame()).toContain('REFER 83% back'));
    stdin.write(KEYS.escape);
    await eventually(() => expect(onClose).toHaveBeenCalled());
  });

  it('opens where it was left', () => {
    const { lastFrame } = render(
      <History source={source} columns={120} rows={20} at={{ session: 1, capture: 1 }} drawPicture={async (capture) => `THUMB ${capture.id}`} onMove={vi.fn()} onAct={vi.fn()} onSay={vi.fn()} onClose={vi.fn()} />,
    );
    expect(lastFrame()).toContain('REFER 83% back');
  });

  it('shows a withdrawn capture as withdrawn, with its reason, and no picture', async () => {
    const { stdin, lastFrame, drawPicture } = renderHistory();
    await settle();
    expect(lastFrame()).toContain('withdrawn (retake)');
    stdin.write(KEYS.right); // bob's session, the newest
    await eventually(() => expect(lastFrame()).toContain('THUMB'));
    stdin.write(KEYS.down);
    await eventually(() => expect(lastFrame()!.replace(/\s+/g, ' ')).toMatch(/withdrawn 2026-11-27 10:05 .*\(retake\); its .*image .*was deleted/));
    expect(drawPicture).toHaveBeenCalledTimes(1); // only for the capture that was not withdrawn
  });

  it('b, x and l act on the selected capture; on a withdrawn one they say why they cannot', async () => {
    const { stdin, onAct, onSay } = renderHistory({ columns: 64 });
    await settle();
    stdin.write(KEYS.right);
    stdin.write('b');
    await eventually(() => expect(onAct).toHaveBeenCalledWith('annotate', expect.objectContaining({ id: 'c3' })));
    stdin.write(KEYS.down);
    stdin.write('bxl');
    await eventually(() => expect(onSay).toHaveBeenCalledTimes(3));
    expect(onSay).toHaveBeenCalledWith('Capture c4 was withdrawn and its image deleted: there is nothing to follow.');
    expect(onAct).toHaveBeenCalledTimes(1);
  });
});
