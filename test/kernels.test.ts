import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/appVersion.js';
import { KERNELS_WASM } from '../src/kernels.js';

it('the committed kernels.wasm is what kernels/ compiles to (after a change there, run `npm run build:kernels`)', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'dermacam-kernels-'));
  try {
    const compiled = path.join(folder, 'kernels.wasm');
    const asc = path.join(PACKAGE_ROOT, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
    execFileSync(process.execPath, [asc, '--config', path.join(PACKAGE_ROOT, 'kernels', 'asconfig.json'), '--outFile', compiled], { cwd: PACKAGE_ROOT });
    expect(readFileSync(compiled).equals(readFileSync(KERNELS_WASM))).toBe(true);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
