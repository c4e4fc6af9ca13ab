import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA = path.resolve(REPO, '..', 'shared', 'data');
export const FIXTURES = path.join(SHARED_DATA, 'fixtures');
export const CLI = path.join(REPO, 'dist', 'cli.js');
export const SHIPPED_MODEL = path.join(REPO, 'models', 'dermacam-mnv1-075');
