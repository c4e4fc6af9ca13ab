import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from './paths.js';

/** Four of the full-size fixtures, for the tests that compare a resampling with sharp's. */
export const SOME_FIXTURES = readdirSync(FIXTURES).filter((name) => name.endsWith('.jpg')).slice(0, 4);

/** A fixture's centre square at `side` pixels, as sharp makes it: the input of the resampling tests. */
export async function fixtureSquare(file: string, side: number): Promise<Uint8Array> {
  return new Uint8Array(await sharp(path.join(FIXTURES, file)).resize(side, side, { fit: 'cover' }).raw().toBuffer());
}

/** How many values of `theirs` `mine` differs in. */
export function differingValues(mine: Uint8Array, theirs: Uint8Array): number {
  let differing = 0;
  for (let i = 0; i < theirs.length; i++) if (mine[i] !== theirs[i]) differing++;
  return differing;
}
