// Fixed-point suggestions, pure part: where the fleet runs and stops decides the ranking.
import { describe, expect, it } from 'vitest';
import type { PositionSample } from '../../core/coverage.ts';
import { DEFAULT_ETA_MODEL, etaMinutes } from '../../core/eta.ts';
import { presenceCells, suggestFixedPoints } from '../../core/fixed-point-suggestions.ts';
import type { Station } from '../../core/registry.ts';

const model = DEFAULT_ETA_MODEL;

function station(id: string, lat: number, lon: number, over: Partial<Station> = {}): Station {
  return {
    id, name: id, lat, lon, region: '320500', hours: '24h', capabilities: ['heavy-duty', 'engine'], vans: 3, rating: 4.6,
    partsCategories: ['engine'], active: true, ...over,
  };
}

// Region "west" is lon < 120.5, "east" otherwise. The fleet shuttles between two depots west of 120.5
// (around 31.3 N, 120.0–120.4 E) and stands at them for hours; one truck passes once through the east.
const regionOf = (_lat: number, lon: number) => (lon < 120.5 ? 'west' : 'east');
const start = Date.UTC(2026, 10, 16, 0, 0, 0);

function shuttle(vin: string, days: number): PositionSample[] {
  const out: PositionSample[] = [];
  let t = start;
  for (let d = 0; d < days * 4; d++) {
    const [from, to] = d % 2 === 0 ? [120.0, 120.4] : [120.4, 120.0];
    for (let i = 0; i < 30; i++) out.push({ vin, time: (t += 60_000), lat: 31.3, lon: from + ((to - from) * i) / 29 });
    for (let i = 0; i < 240; i++) out.push({ vin, time: (t += 60_000), lat: 31.3, lon: to }); // 4 h standing
  }
  return out;
}

describe('fixed-point suggestions', () => {
  const samples = [
    ...shuttle('LSHUTTLE000000001', 2),
    ...shuttle('LSHUTTLE000000002', 2),
    ...Array.from({ length: 30 }, (_, i) => ({ vin: 'LPASSING000000003', time: start + i * 60_000, lat: 30.5, lon: 121.0 + i * 0.01 })),
  ];
  const good = station('good-near-depot', 31.31, 120.39, { rating: 4.8 });
  const poorNear = station('poor-near-depot', 31.3, 120.41, { rating: 1.5 });
  const far = station('far-away', 31.9, 120.2, { rating: 5 });
  const busy = station('busy-near-depot', 31.29, 120.01, { rating: 4.8, vans: 1 });
  const notHeavy = station('no-heavy-duty', 31.3, 120.2, { capabilities: ['tyre'] });
  const stations = [far, poorNear, good, busy, notHeavy];
  const presence = presenceCells(samples, regionOf, { maxGapMs: 5 * 60_000, windowMs: 60_000, minDrivingKmh: 5, cellDeg: 0.05 });

  it('accounts for the time trucks spend, driving and standing', () => {
    const west = presence.filter((c) => c.region === 'west');
    const standing = west.reduce((s, c) => s + c.stoppedHours, 0);
    const driving = west.reduce((s, c) => s + c.drivingHours, 0);
    // 2 trucks × 8 legs × (29 min driving + 4 h standing, the last sample standing for its window).
    expect(standing).toBeCloseTo(2 * 8 * 4, 0);
    expect(driving).toBeCloseTo((2 * 8 * 29) / 60, 0);
  });

  it('names the good station next to where the fleet runs and stands first, with the numbers behind it', () => {
    const result = suggestFixedPoints({
      presence, stations, model,
      eligible: (s) => s.active && s.capabilities.includes('heavy-duty'),
      customersServed: new Map([['busy-near-depot', 6]]),
      current: new Map([['west', 'far-away']]),
      minHours: 1,
    });
    expect(result.map((r) => r.region)).toEqual(['west']); // the passing truck's half hour in the east is noise
    const west = result[0]!;
    expect(west.currentStationId).toBe('far-away');
    expect(west.suggestions.map((s) => s.stationId)[0]).toBe('good-near-depot');
    expect(west.suggestions.length).toBe(3);
    expect(west.suggestions.map((s) => s.stationId)).not.toContain('no-heavy-duty');
    const first = west.suggestions[0]!;
    // Independent check of the time-weighted ETA: the trucks stand half the time at each depot.
    const expected = (etaMinutes(good, { lat: 31.3, lon: 120.0 }, model) + etaMinutes(good, { lat: 31.3, lon: 120.4 }, model)) / 2;
    expect(Math.abs(first.timeWeightedEtaMin - expected)).toBeLessThan(2);
    expect(first.scoreMin).toBeCloseTo(first.timeWeightedEtaMin + first.ratingPenaltyMin + first.loadPenaltyMin, 0);
    // The busy station is as close to the other depot, but its load (6 customers on 1 van) pushes it down.
    const busyRow = west.suggestions.find((s) => s.stationId === 'busy-near-depot');
    expect(busyRow?.loadPenaltyMin ?? 30).toBe(30);
    const ranks = west.suggestions.map((s) => s.scoreMin);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    const currentRow = west.suggestions.find((s) => s.isCurrentFixedPoint);
    if (currentRow) expect(currentRow.stationId).toBe('far-away');
  });
});
