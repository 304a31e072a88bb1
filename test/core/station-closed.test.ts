// A station that marks itself closed (the station desk) is offered nothing, whatever its opening hours:
// both the static drop reason and the dispatcher's spatial search honour `closed`.
import { describe, expect, it } from 'vitest';
import { staticDropReason } from '../../core/candidates.ts';
import { DEFAULT_ETA_MODEL } from '../../core/eta.ts';
import type { Station } from '../../core/registry.ts';
import { createStationIndex } from '../../core/station-index.ts';

const base: Station = {
  id: 'near', name: '近站', lat: 31.2, lon: 121.4, region: '310100', hours: '24h', capabilities: ['heavy-duty', 'engine'],
  vans: 2, rating: 4, partsCategories: ['engine'], active: true,
};
const far: Station = { ...base, id: 'far', lat: 31.5, lon: 121.6 };
const req = { capabilities: ['heavy-duty' as const], at: new Date('2026-11-28T12:00:00Z'), excludeStationIds: new Set<string>() };

describe('a station closed by its own desk', () => {
  it('is dropped as closed and skipped by the ETA search; reopening brings it back', () => {
    const closed = { ...base, closed: true };
    expect(staticDropReason(closed, { ...req, lat: 31.2, lon: 121.4, partsCategories: [], maxDistanceKm: 500 } as never)).toBe('closed');
    const query = { lat: 31.2, lon: 121.4, limit: 1, maxDistanceKm: 500, eligible: req };
    expect(createStationIndex([closed, far], DEFAULT_ETA_MODEL).leastEta(query, DEFAULT_ETA_MODEL).map((x) => x.station.id)).toEqual(['far']);
    expect(createStationIndex([{ ...closed, closed: false }, far], DEFAULT_ETA_MODEL).leastEta(query, DEFAULT_ETA_MODEL).map((x) => x.station.id)).toEqual(['near']);
  });
});
