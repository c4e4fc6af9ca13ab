import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { KeyRouter } from '../../src/ui/keyRouter.js';

const key = {} as Key;

describe('the key router', () => {
  it('sends keys to the screen on view, and holds them while the next screen is being drawn', () => {
    const router = new KeyRouter();
    const main: string[] = [];
    const form: string[] = [];
    const stepDown = router.take({ current: (input) => main.push(input) });
    router.dispatch('b', key);
    router.hold(); // b opens a form
    stepDown();
    router.dispatch('l', key);
    router.dispatch('e', key);
    expect(form).toEqual([]);
    router.take({ current: (input) => form.push(input) });
    router.dispatch('g', key);
    expect(main).toEqual(['b']);
    expect(form).toEqual(['l', 'e', 'g']);
  });
});
