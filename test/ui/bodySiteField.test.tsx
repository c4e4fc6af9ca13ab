import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { bodySitesMatching, describeBodySite } from '../../src/bodySites.js';
import { applyFormKey, commonPrefix, completionOf, openForm, type FormFieldRule } from '../../src/ui/formEditing.js';
import { TextForm } from '../../src/ui/TextForm.js';
import { eventually, KEYS, settle } from './helpers.js';

const FIELDS: FormFieldRule[] = [{ label: 'Body site', suggest: bodySitesMatching }, { label: 'Note' }];
const typed = (text: string) => ({ ...openForm([text, '']), edited: true });
const completion = (text: string) => completionOf(typed(text), FIELDS);

describe('Tab in a field with several suggestions (issue 25, item 10)', () => {
  it('completes what all the listed sites that fit share, and never picks one of several', () => {
    expect(bodySitesMatching('arm')).toEqual(['left upper arm', 'right upper arm']);
    expect(completion('arm')).toBeUndefined(); // before: "left upper arm"
    expect(completion('fore')).toBeUndefined();
    expect(completion('lef')).toBe('left ');
    expect(completion('LEF')).toBe('left ');
    expect(completion('left ')).toBeUndefined(); // already all they share: Tab moves on
    expect(completion('left f')).toBeUndefined(); // forearm, foot, finger
    expect(completion('left fo')).toBeUndefined(); // forearm, foot
    expect(completion('left for')).toBe('left forearm');
    expect(completion('l fore')).toBe('left forearm'); // the only one: completed
    expect(completion('left forearm')).toBeUndefined();
    expect(completion('mole by the navel')).toBeUndefined();
    expect(completion('')).toBeUndefined();
  });

  it('leaves "arm" as typed and moves to the next field', () => {
    const step = applyFormKey(typed('arm'), { type: 'tab' }, FIELDS);
    expect(step).toMatchObject({ state: { values: ['arm', ''], active: 1 } });
    expect(applyFormKey(typed('lef'), { type: 'tab' }, FIELDS)).toMatchObject({ state: { values: ['left ', ''], active: 0, cursor: 5 } });
  });

  it('finds what texts share', () => {
    expect(commonPrefix(['left upper arm', 'left upper leg'])).toBe('left upper ');
    expect(commonPrefix(['left upper arm', 'right upper arm'])).toBe('');
    expect(commonPrefix(['back'])).toBe('back');
    expect(commonPrefix([])).toBe('');
  });
});

describe('a coded body site and free text (issue 25, item 10)', () => {
  it('are told apart in a few words', () => {
    expect(describeBodySite('Left  Forearm ')).toBe('listed site (coded: SNOMED CT 14975008 Forearm, left)');
    expect(describeBodySite('back')).toBe('listed site (coded: SNOMED CT 77568009 Back)');
    expect(describeBodySite('arm')).toBe('free text: not coded, kept as typed');
    expect(describeBodySite('  ')).toBeUndefined();
  });

  it('show under the field as it is typed, and stay once the form has moved on', async () => {
    const onSubmit = vi.fn();
    const { stdin, lastFrame } = render(
      <TextForm width={98}
        title="t"
        fields={[{ key: 'site', label: 'Body site', suggest: bodySitesMatching, describe: describeBodySite }, { key: 'note', label: 'Note' }]}
        onSubmit={onSubmit}
        onCancel={() => undefined}
        onQuit={() => undefined}
      />,
    );
    await settle();
    expect(lastFrame()).not.toMatch(/free text|listed site/);
    stdin.write('arm');
    await eventually(() => expect(lastFrame()).toMatch(/2 fit: left upper arm, right upper arm \(type more to pick one\)/));
    expect(lastFrame()).toContain('free text: not coded, kept as typed');
    expect(lastFrame()).not.toContain('Tab →');
    stdin.write(KEYS.tab);
    await eventually(() => expect(lastFrame()).toContain('› Note:'));
    expect(lastFrame()).toContain('Body site: arm');
    expect(lastFrame()).toContain('free text: not coded, kept as typed');

    stdin.write(KEYS.up);
    stdin.write('\u0015'); // Ctrl+U
    stdin.write('l fore');
    await eventually(() => expect(lastFrame()).toContain('Tab → left forearm'));
    stdin.write(KEYS.tab);
    await eventually(() => expect(lastFrame()).toContain('listed site (coded: SNOMED CT 14975008 Forearm, left)'));
    expect(lastFrame()).toContain('Body site: left forearm');
    stdin.write(KEYS.tab);
    stdin.write(KEYS.enter);
    await eventually(() => expect(onSubmit).toHaveBeenCalledWith({ site: 'left forearm', note: '' }));
  });

  it('lists at most four of many that fit, and says how many more', async () => {
    const { stdin, lastFrame } = render(
      <TextForm width={98} title="t" fields={[{ key: 'site', label: 'Body site', suggest: bodySitesMatching }]} onSubmit={() => undefined} onCancel={() => undefined} onQuit={() => undefined} />,
    );
    await settle();
    stdin.write('lef');
    await eventually(() => expect(lastFrame()).toMatch(/Tab → "left "; 12 fit: left ear, left shoulder, left upper arm, left forearm, \+8 more/));
  });
});
