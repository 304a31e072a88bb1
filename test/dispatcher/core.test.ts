import { describe, expect, it } from 'vitest';
import { createEtaModel, driveMinutes, etaMinutes, greatCircleKm, DEFAULT_ETA_MODEL } from '../../core/eta.ts';
import { faultNeeds, systemOfSpn } from '../../core/fault-systems.ts';
import { isOpenAt } from '../../core/opening-hours.ts';
import { createStationIndex } from '../../core/station-index.ts';
import { rankCandidates, searchCandidates, staticDropReason, type CandidateRequest } from '../../core/candidates.ts';
import { newRescueCase, transition, vanHolder, type Actor } from '../../core/rescue-case.ts';
import { InvalidTransitionError } from '../../core/errors.ts';
import { makeStations, seededRandom } from './fixtures.ts';

const model = DEFAULT_ETA_MODEL;

describe('ETA model', () => {
  it('great-circle distance matches a known city pair (Shanghai–Beijing ≈ 1068 km)', () => {
    expect(greatCircleKm(31.2304, 121.4737, 39.9042, 116.4074)).toBeGreaterThan(1060);
    expect(greatCircleKm(31.2304, 121.4737, 39.9042, 116.4074)).toBeLessThan(1075);
  });

  it('drive time applies circuity and speed bands cumulatively and grows with distance', () => {
    // 10 km great circle × 1.3 = 13 road km: 10 km at 35 km/h + 3 km at 55 km/h.
    expect(driveMinutes(10, model)).toBeCloseTo((10 / 35 + 3 / 55) * 60, 6);
    let previous = -1;
    for (let km = 0; km < 400; km += 0.37) {
      const m = driveMinutes(km, model);
      expect(m).toBeGreaterThan(previous);
      previous = m;
    }
    const straighter = createEtaModel({ circuity: 1.0 });
    expect(driveMinutes(50, straighter)).toBeLessThan(driveMinutes(50, model));
  });

  it('ETA adds the station mobilisation time (default 15)', () => {
    const at = { lat: 31.2, lon: 121.4 };
    expect(etaMinutes({ ...at, mobilisationMin: 7 }, at, model)).toBe(7);
    expect(etaMinutes(at, at, model)).toBe(15);
  });

  it('rejects a nonsensical model', () => {
    expect(() => createEtaModel({ circuity: 0.5 })).toThrow(/circuity/);
    expect(() => createEtaModel({ speedBands: [{ untilKm: 10, kmh: 30 }] })).toThrow(/open-ended/);
  });
});

describe('fault systems', () => {
  it('maps SPNs to systems, capabilities and parts', () => {
    expect(systemOfSpn(110)).toBe('cooling');
    expect(faultNeeds([110])).toEqual({ systems: ['cooling'], capabilities: ['engine'], partsCategories: ['cooling'] });
    expect(faultNeeds([3226, 168]).capabilities).toEqual(['aftertreatment', 'electrical']);
    expect(faultNeeds([]).capabilities).toEqual(['heavy-duty']);
    expect(faultNeeds([999_999]).systems).toEqual(['general']);
  });
});

describe('opening hours (China time)', () => {
  it('handles day hours, midnight crossing and 24h', () => {
    const cst = (h: number, m = 0) => new Date(Date.UTC(2026, 0, 10, h - 8, m));
    expect(isOpenAt('08:00-20:00', cst(9))).toBe(true);
    expect(isOpenAt('08:00-20:00', cst(20))).toBe(false);
    expect(isOpenAt('08:00-20:00', cst(7, 59))).toBe(false);
    expect(isOpenAt('20:00-06:00', cst(23))).toBe(true);
    expect(isOpenAt('20:00-06:00', cst(3))).toBe(true);
    expect(isOpenAt('20:00-06:00', cst(12))).toBe(false);
    expect(isOpenAt('24h', cst(3))).toBe(true);
  });
});

describe('candidate search', () => {
  const stations = makeStations({ count: 3000, centre: { lat: 31, lon: 118 }, spreadDeg: 4, seed: 7, restrictedHours: 0.3, inactive: 0.1 });
  const index = createStationIndex(stations, model);

  function bruteForce(req: CandidateRequest, want: number) {
    return stations
      .filter((s) => staticDropReason(s, req) === undefined)
      .map((s) => ({ id: s.id, km: greatCircleKm(req.lat, req.lon, s.lat, s.lon), eta: etaMinutes(s, req, model) }))
      .filter((s) => s.km <= req.maxDistanceKm)
      .sort((a, b) => a.eta - b.eta || a.km - b.km)
      .slice(0, want);
  }

  it('returns exactly the least-ETA eligible stations (checked against brute force at 200 random points)', () => {
    const rnd = seededRandom(99);
    for (let i = 0; i < 200; i++) {
      const req: CandidateRequest = {
        lat: 31 + (rnd() * 2 - 1) * 4.5,
        lon: 118 + (rnd() * 2 - 1) * 4.5,
        capabilities: rnd() < 0.5 ? ['engine'] : ['engine', 'aftertreatment'],
        partsCategories: ['engine'],
        at: new Date(Date.UTC(2026, 0, 10, Math.floor(rnd() * 24))),
        excludeStationIds: new Set(),
        maxDistanceKm: 500,
      };
      const want = 1 + Math.floor(rnd() * 6);
      const found = searchCandidates(index, req, want, model);
      const expected = bruteForce(req, want);
      expect(found.map((f) => f.etaMin)).toEqual(expected.map((e) => e.eta));
      expect(found.map((f) => f.stationId)).toEqual(expected.map((e) => e.id));
    }
  });

  it('ranks by ETA, not distance: a slow-to-mobilise near station loses to a quick one a bit farther', () => {
    const base = { name: 'x', region: '310100', hours: '24h', capabilities: ['engine' as const], vans: 2, rating: 4, partsCategories: [], active: true };
    const near = { ...base, id: 'near', lat: 31.0, lon: 121.01, mobilisationMin: 60 };
    const far = { ...base, id: 'far', lat: 31.0, lon: 121.1, mobilisationMin: 5 };
    const idx = createStationIndex([near, far], model);
    const req: CandidateRequest = { lat: 31, lon: 121, capabilities: ['engine'], partsCategories: ['cooling'], at: new Date(), excludeStationIds: new Set(), maxDistanceKm: 100 };
    const found = searchCandidates(idx, req, 2, model);
    expect(found.map((f) => f.stationId)).toEqual(['far', 'near']);
    expect(found[0]!.missingParts).toEqual(['cooling']);
  });

  it('drops stations without a free van and prefers a fixed point within the margin', () => {
    const found = [
      { stationId: 'a', distanceKm: 5, etaMin: 20, vans: 1, missingParts: [] },
      { stationId: 'b', distanceKm: 8, etaMin: 25, vans: 2, missingParts: [] },
      { stationId: 'c', distanceKm: 9, etaMin: 28, vans: 1, missingParts: [] },
      { stationId: 'd', distanceKm: 30, etaMin: 50, vans: 1, missingParts: [] },
    ];
    const ranking = rankCandidates({ found, vansInUse: new Map([['a', 1]]), fixedPointIds: new Set(['c', 'd']), fixedPointMarginMin: 5 });
    expect(ranking.ranked.map((c) => c.stationId)).toEqual(['c', 'b', 'd']);
    expect(ranking.decisions.find((d) => d.stationId === 'a')?.reason).toBe('no_free_van');
    expect(ranking.decisions.find((d) => d.stationId === 'c')?.reason).toBe('fixed_point_preferred');
    const noPreference = rankCandidates({ found, vansInUse: new Map(), fixedPointIds: new Set(['d']), fixedPointMarginMin: 5 });
    expect(noPreference.ranked[0]!.stationId).toBe('a');
  });
});

describe('rescue case state machine', () => {
  const actor: Actor = { kind: 'dispatcher', id: 'd1' };
  const clocks = { launchWindowS: 900, escalateBeforeS: 300, repairWindowS: 86_400 };
  const t0 = new Date('2026-01-10T02:00:00Z');
  const fresh = () =>
    newRescueCase({
      id: 'rc-1', vin: 'V', customerId: 'c1', source: 'telematics', reportedAt: t0, reportedBy: actor,
      location: { lat: 31, lon: 121, source: 'fault_event' }, spns: [100], systems: ['lubrication'], capabilities: ['engine'], partsCategories: ['lubricants'],
    }, clocks);
  const offer = { type: 'offer' as const, stationId: 's1', etaMin: 20, distanceKm: 5, timeoutS: 180, candidates: [], partsDepots: [] };

  it('computes the SLA clocks from the report time', () => {
    const c = fresh();
    expect(c.launchDeadline).toBe('2026-01-10T02:15:00.000Z');
    expect(c.escalateAt).toBe('2026-01-10T02:10:00.000Z');
    expect(c.repairDeadline).toBe('2026-01-11T02:00:00.000Z');
  });

  it('walks the happy path with a stamped timeline and van holding', () => {
    let c = fresh();
    c = transition(c, offer, actor, t0).next;
    expect(c.status).toBe('offered');
    expect(vanHolder(c)).toBe('s1');
    const station: Actor = { kind: 'station', id: 's1' };
    c = transition(c, { type: 'accept', stationId: 's1', vanId: 'van-7' }, station, t0).next;
    expect(c.status).toBe('launched');
    expect(c.launch).toMatchObject({ stationId: 's1', vanId: 'van-7', manual: false });
    expect(vanHolder(c)).toBe('s1');
    for (const status of ['on_site', 'resolved', 'closed'] as const) c = transition(c, { type: 'status', status }, station, t0).next;
    expect(c.status).toBe('closed');
    expect(vanHolder(c)).toBeUndefined();
    expect(c.timeline.map((e) => e.event)).toEqual(['opened', 'offered', 'launched', 'on_site', 'resolved', 'closed']);
    expect(c.timeline[2]).toMatchObject({ actor: station, from: 'offered', to: 'launched' });
  });

  it('rejects invalid transitions', () => {
    const c = fresh();
    expect(() => transition(c, { type: 'accept', stationId: 's1' }, actor, t0)).toThrow(InvalidTransitionError);
    const offered = transition(c, offer, actor, t0).next;
    expect(() => transition(offered, { type: 'accept', stationId: 'other' }, actor, t0)).toThrow(InvalidTransitionError);
    expect(() => transition(offered, offer, actor, t0)).toThrow(InvalidTransitionError);
    const flagged = transition(c, { type: 'needs_confirmation', reason: 'still driving' }, actor, t0).next;
    expect(() => transition(flagged, offer, actor, t0)).toThrow(InvalidTransitionError);
    expect(transition(flagged, { type: 'assign', stationId: 's1' }, actor, t0).next.status).toBe('launched');
    const cancelled = transition(offered, { type: 'cancel', reason: 'driver fixed it' }, actor, t0).next;
    expect(() => transition(cancelled, { type: 'assign', stationId: 's1' }, actor, t0)).toThrow(InvalidTransitionError);
    expect(() => transition(cancelled, { type: 'status', status: 'on_site' }, actor, t0)).toThrow(InvalidTransitionError);
  });

  it('treats late timers and repeated events as no-ops', () => {
    const offered = transition(fresh(), offer, actor, t0).next;
    const launched = transition(offered, { type: 'accept', stationId: 's1' }, actor, t0).next;
    expect(transition(launched, { type: 'offer_timeout', attempt: 1 }, actor, t0).next).toBe(launched);
    const attached = transition(launched, { type: 'attach', faultEventId: 'e1', spns: [110] }, actor, t0).next;
    expect(transition(attached, { type: 'attach', faultEventId: 'e1', spns: [110] }, actor, t0).next).toBe(attached);
    const timedOut = transition(offered, { type: 'offer_timeout', attempt: 1 }, actor, t0);
    expect(timedOut.next.status).toBe('open');
    expect(timedOut.next.offers[0]!.outcome).toBe('timed_out');
  });
});
