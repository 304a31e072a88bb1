import { describe, expect, it } from 'vitest';
import { parseLiveState } from '../../core/live-state.ts';

describe('parseLiveState', () => {
  it('is undefined for a vehicle that never reported', () => {
    expect(parseLiveState('LFWADRJF011002346', {})).toBeUndefined();
  });

  it('types every field and drops damaged ones', () => {
    const state = parseLiveState('LFWADRJF011002346', {
      customerId: 'c1', ts: '1763805600000', lat: '31.23', lon: '121.47', speedKmh: '72.5', heading: '180',
      odometerKm: 'not-a-number', ignition: 'true', seq: '4711', dm1Ts: '1763805600500',
      dtcs: '[{"spn":110,"fmi":0,"oc":3},{"spn":"x"}]', lamps: '{"mil":false,"redStop":true}', severity: 'critical',
      lastSeen: '1763805601000', status: 'online', statusTs: '1763805500000',
    });
    expect(state).toEqual({
      vin: 'LFWADRJF011002346', customerId: 'c1', ts: 1763805600000, lat: 31.23, lon: 121.47, speedKmh: 72.5, heading: 180,
      ignition: true, seq: 4711, dm1Ts: 1763805600500, dtcs: [{ spn: 110, fmi: 0, oc: 3 }],
      lamps: { mil: false, redStop: true, amberWarning: false, protect: false }, severity: 'critical',
      lastSeen: 1763805601000, status: 'online', statusTs: 1763805500000,
    });
  });

  it('falls back to no severity and no codes on garbage', () => {
    const state = parseLiveState('V', { severity: 'bogus', dtcs: '{', lamps: 'null', status: 'maybe' });
    expect(state).toEqual({ vin: 'V', dtcs: [], severity: 'none' });
  });
});
