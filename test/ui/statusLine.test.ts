import { describe, expect, it } from 'vitest';
import { statusText } from '../../src/ui/StatusLine.js';
import { backupAge } from '../../src/ui/useLastBackup.js';

const parts = {
  camera: 'ok',
  dataDir: '/var/lib/dermacam',
  outbox: 'PACS: 2 waiting',
  backup: 'backup 3 h ago',
  model: 'dermacam-mnv1-075@58ce3482320d · onnx',
};

describe('the status line', () => {
  it('shows everything where there is room', () => {
    expect(statusText(parts, 160)).toBe('camera ok · data /var/lib/dermacam · PACS: 2 waiting · backup 3 h ago · dermacam-mnv1-075@58ce3482320d · onnx');
  });

  it('keeps the camera, the outbox and the model at 80 columns, giving up the data folder, then the backup', () => {
    const line = statusText(parts, 80);
    expect(line.length).toBeLessThanOrEqual(80);
    for (const kept of ['camera ok', 'PACS: 2 waiting', 'dermacam-mnv1-075@58ce3482320d · onnx']) expect(line).toContain(kept);
    expect(statusText(parts, 110)).toContain('backup 3 h ago');
    expect(statusText({ ...parts, dataDir: '/media/usb/a/very/long/path/to/the/clinic/data/folder' }, 130)).toMatch(/data \/media\/usb\/a.*….*folder/);
  });

  it("cuts the data folder's path in its middle, its last folder kept", () => {
    expect(statusText({ ...parts, dataDir: '/media/usb/clinic/data' }, 'camera ok · data '.length + 12 + ' · PACS: 2 waiting · backup 3 h ago · dermacam-mnv1-075@58ce3482320d · onnx'.length)).toContain('data /medi…c/data ·');
  });
});

describe("the last backup's age", () => {
  const now = new Date('2026-12-07T12:00:00Z');
  it('in minutes, hours or days, and says when there is none', () => {
    expect(backupAge(undefined, now)).toBe('no backup yet');
    expect(backupAge(new Date('2026-12-07T11:59:40Z'), now)).toBe('backup just now');
    expect(backupAge(new Date('2026-12-07T11:35:00Z'), now)).toBe('backup 25 min ago');
    expect(backupAge(new Date('2026-12-06T21:00:00Z'), now)).toBe('backup 15 h ago');
    expect(backupAge(new Date('2026-12-01T12:00:00Z'), now)).toBe('backup 6 days ago');
  });
});
