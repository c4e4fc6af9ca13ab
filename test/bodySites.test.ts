import { describe, expect, it } from 'vitest';
import { BODY_SITES, bodySiteNamed, bodySitesMatching } from '../src/bodySites.js';

describe('body sites', () => {
  it('finds a listed site by the start of its words, in order', () => {
    expect(bodySitesMatching('l fore')).toEqual(['left forearm']);
    expect(bodySitesMatching('fore')).toEqual(['left forearm', 'right forearm']);
    expect(bodySitesMatching('BACK')).toEqual(['back']);
    expect(bodySitesMatching('arm left')).toEqual([]);
    expect(bodySitesMatching('  ')).toEqual([]);
    expect(bodySitesMatching('mole near the navel')).toEqual([]);
  });

  it('codes a listed site with SNOMED CT and its side, and leaves other text uncoded', () => {
    expect(bodySiteNamed(' Right  Lower leg ')).toMatchObject({ code: '30021000', meaning: 'Lower leg', laterality: { code: '24028007', meaning: 'Right' } });
    expect(bodySiteNamed('back')).toEqual({ name: 'back', code: '77568009', meaning: 'Back' });
    expect(bodySiteNamed('behind the left ear')).toBeUndefined();
    expect(bodySiteNamed(null)).toBeUndefined();
  });

  it('lists each name once, with a SNOMED CT identifier for every site', () => {
    expect(new Set(BODY_SITES.map((site) => site.name)).size).toBe(BODY_SITES.length);
    for (const site of BODY_SITES) expect(site.code).toMatch(/^[1-9]\d{5,17}$/);
  });
});
