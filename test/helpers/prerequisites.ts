import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { hasOrthanc } from './orthanc.js';
import { REPO } from './paths.js';

/** What the end-to-end tests need beyond npm; scripts/setup-tests.sh installs all of it. */
const PREREQUISITES: [string, () => boolean][] = [
  ['fswebcam', () => onPath('fswebcam')],
  ['tmux', () => onPath('tmux')],
  ["dicom3tools' dciodvfy", () => onPath('dciodvfy')],
  ["dcmtk's dcmmkdir and dcmdump", () => onPath('dcmmkdir') && onPath('dcmdump')],
  ['Orthanc and its DICOMweb plugin', hasOrthanc],
  ["Debian's python3-torch", () => succeeds('/usr/bin/python3', ['-c', 'import torch, numpy'])],
  ["scikit-image's sample photos in .cache/non-lesion", () => existsSync(path.join(REPO, '.cache', 'non-lesion', 'usr'))],
  ['a build in dist/ (npm run build)', () => existsSync(path.join(REPO, 'dist', 'cli.js'))],
];

const onPath = (command: string) => succeeds('sh', ['-c', `command -v ${command}`]);

function succeeds(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Fails the end-to-end run at once, in one sentence, instead of with a handful of puzzling test failures. */
export default function checkPrerequisites(): void {
  const missing = PREREQUISITES.filter(([, present]) => !present()).map(([name]) => name);
  if (missing.length > 0) throw new Error(`The end-to-end tests need ${missing.join(', ')}: run scripts/setup-tests.sh as root first.`);
}
