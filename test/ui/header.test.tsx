import { describe, expect, it } from 'vitest';
import { NOT_A_MEDICAL_DEVICE } from '../../src/disclaimer.js';
import { Header, headerLines, headerTitle, noticeLines } from '../../src/ui/Header.js';
import { shortenMiddle } from '../../src/text.js';
import { printable } from '../../src/text.js';
import { renderAtSize } from './helpers.js';

const LONG_FILE = 'file /media/pi/USB-STICK/clinic-2026/patients-export/dermoscopy/session-0042/lesion-back-left-upper/photo3.jpg';
const WIDTHS = [40, 64, 80, 120];
/** A frame's lines without their colours. */
const plainLines = (frame: string | undefined) => (frame ?? '').split('\n').map((line) => printable(line.replace(/\u001b\[[0-9;]*m/g, '')));

describe('the header at any width (issue 25, item 10)', () => {
  it.each(WIDTHS)('keeps a long file: camera on its one title line at %i columns, the file name at its end', (columns) => {
    const title = headerTitle(LONG_FILE, columns);
    expect(title.length).toBeLessThanOrEqual(columns);
    expect(title).toMatch(/^dermacam {2}camera: file \/.*….*\/photo3\.jpg$/);
    expect(headerTitle('demo', columns)).toBe('dermacam  camera: demo');
  });

  it('shortens in the middle and keeps the end', () => {
    expect(shortenMiddle('file /a/b/photo3.jpg', 40)).toBe('file /a/b/photo3.jpg');
    expect(shortenMiddle('file /aaaaaaaaaa/bbbbbbbbbb/photo3.jpg', 24)).toBe('file /aaaaa…b/photo3.jpg'); // the end: at least half
    expect(shortenMiddle('file /aaaaaaaaaaaaaaaaaaaa/photo3.jpg', 16)).toBe('file…/photo3.jpg'); // the name whole
    expect(shortenMiddle('file /a/a-very-long-name-of-a-picture-file.jpg', 16)).toBe('…icture-file.jpg'); // the name's end
    expect(shortenMiddle('demo (synthetic lesion)', 21)).toBe('demo (synt…ic lesion)'); // no path: cut in the middle
    expect(shortenMiddle('folder /data/captures-from-the-clinic-camera', 20)).toHaveLength(20);
    expect(shortenMiddle('anything', 0)).toBe('');
  });

  it('leaves the description out where there is no room for it, and never wraps a control character in a path', () => {
    expect(headerTitle(LONG_FILE, 20)).toBe('dermacam');
    expect(headerTitle(LONG_FILE, 5)).toBe('derma');
    expect(headerTitle('file /tmp/a\nb.jpg', 80)).toBe('dermacam  camera: file /tmp/a\\nb.jpg');
  });

  it.each([...WIDTHS, 25, 30, 35])('renders exactly headerLines(%i) lines, none wider than the terminal', (columns) => {
    const { lastFrame, unmount } = renderAtSize(<Header camera={LONG_FILE} columns={columns} />, columns, 30);
    const lines = plainLines(lastFrame());
    unmount();
    expect(lines).toHaveLength(headerLines(columns));
    expect(lines[0]).toBe(headerTitle(LONG_FILE, columns));
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(columns);
    expect(lines.slice(1).join(' ')).toBe(NOT_A_MEDICAL_DEVICE);
  });

  it('breaks the notice between words', () => {
    expect(noticeLines(120)).toEqual([NOT_A_MEDICAL_DEVICE]);
    expect(noticeLines(64)).toEqual(['Not a medical device: research and teaching only. It does not', 'diagnose; refer any concern to a clinician.']);
    expect(noticeLines(6)).toContain('diagno');
  });
});
