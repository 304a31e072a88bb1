// Pre-positioning, pure part: parts to stock where the dispatcher's station lacks them, and which existing
// stations are candidate sites.
import { describe, expect, it } from 'vitest';
import { partsToPreposition, stationSites } from '../../core/coverage-sites.ts';
import { DEFAULT_ETA_MODEL } from '../../core/eta.ts';
import type { Depot, Station } from '../../core/registry.ts';
import { createStationIndex } from '../../core/station-index.ts';

const model = DEFAULT_ETA_MODEL;
const station = (id: string, lat: number, lon: number, over: Partial<Station> = {}): Station => ({
  id, name: id, lat, lon, region: '420100', hours: '24h', capabilities: ['heavy-duty', 'engine'], vans: 2, rating: 4,
  partsCategories: ['engine'], active: true, ...over,
});
const depot = (id: string, lat: number, lon: number, parts: Depot['partsCategories']): Depot => ({
  id, name: id, lat, lon, region: '420100', partsCategories: parts, active: true,
});

describe('parts to pre-position', () => {
  const near = station('near', 30.6, 114.3);
  const far = station('far-with-cooling', 31.5, 115.5, { partsCategories: ['engine', 'cooling', 'lubricants'] });
  const index = createStationIndex([near, far], model);
  const depots = [depot('depot-close', 30.65, 114.35, ['engine']), depot('depot-far', 34, 118, ['cooling'])];
  const at = { lat: 30.62, lon: 114.32, time: Date.UTC(2026, 10, 1, 4) };

  it('counts the categories the chosen station lacks at the depot nearest to it', () => {
    const needs = partsToPreposition({
      faults: [
        { vin: 'V1', spn: 110, ...at }, // coolant temperature → cooling
        { vin: 'V2', spn: 110, ...at },
        { vin: 'V1', spn: 100, ...at }, // oil pressure → lubricants
        { vin: 'V3', spn: 190, ...at }, // engine speed → engine parts, which `near` stocks
        { vin: 'V3', spn: 241, ...at }, // tyre pressure → no tyre station at all: nothing to stock
      ],
      stations: index, depots, model, maxDistanceKm: 1500,
    });
    expect(needs.map((n) => [n.partsCategory, n.depotId, n.faults, n.trucks])).toEqual([
      ['cooling', 'depot-close', 2, 2],
      ['lubricants', 'depot-close', 1, 1],
    ]);
    expect(needs[0]!.depotStocks).toBe(false);
    expect(needs[0]!.stations).toEqual([{ stationId: 'near', faults: 2 }]);
  });

  it('lists existing stations that cannot serve a capability as candidate sites, with what they lack', () => {
    const sites = stationSites([
      near,
      station('night-closed', 30, 114, { hours: '08:00-20:00' }),
      station('no-vans', 30, 114, { vans: 0, capabilities: ['tyre'] }),
      station('inactive', 30, 114, { active: false }),
    ], 'engine');
    expect(sites.map((s) => [s.id, s.lacks])).toEqual([
      ['station:night-closed', ['24h']],
      ['station:no-vans', ['capability:engine', 'vans']],
      ['station:inactive', ['active']],
    ]);
  });
});
