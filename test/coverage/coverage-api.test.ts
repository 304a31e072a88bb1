// Coverage through the real API against real Redis and InfluxDB: the analytic 600 km route answered from
// positions stored in InfluxDB, scoping per role, the Redis cache and its invalidation by a station change,
// GeoJSON, pre-positioning, fixed-point suggestions and accepting one into the assignments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etaMinutes, greatCircleKm, DEFAULT_ETA_MODEL } from '../../core/eta.ts';
import type { Advisor, Customer, Station, Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { loadRegionMap } from '../../infra/regions-data.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';

const LON = 113.3;
const LAT0 = 23.3; // Guangzhou, driving due north into Hunan
const KM_PER_DEG = greatCircleKm(0, LON, 1, LON);
const at = (km: number) => ({ lat: LAT0 + km / KM_PER_DEG, lon: LON });
const START = Date.UTC(2026, 9, 5, 0, 0, 0);
const T = 90;

const regions = loadRegionMap();

function station(id: string, km: number, over: Partial<Station> = {}): Station {
  return {
    id, name: `Station ${id}`, ...at(km), region: regions.locate(at(km).lat, at(km).lon)?.code ?? '440100', hours: '24h', capabilities: ['heavy-duty', 'engine'], vans: 2, rating: 4.5,
    partsCategories: ['engine'], active: true, ...over,
  };
}

/** How far along the route a station on it reaches within T minutes (bisection on the shared ETA model). */
function radius(): number {
  const probe = station('probe', 0);
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (etaMinutes(probe, at(mid), DEFAULT_ETA_MODEL) <= T) lo = mid;
    else hi = mid;
  }
  return lo;
}

describe('coverage API', () => {
  let h: ApiHarness;
  const vin = withCheckDigit('LCVAP1X10RA000001');
  const r = radius();
  const third = 300 - 4 * r;
  const stations = [station('s1', r), station('s2', 200 + r), station('s3', 600 - third + r), station('tyre-only', 350, { capabilities: ['tyre'] })];
  const from = new Date(START - 60_000).toISOString();
  const to = new Date(START + 9 * 3_600_000).toISOString();
  const q = `from=${from}&to=${to}&thresholdMin=${T}&capability=engine`;

  beforeAll(async () => {
    h = await startApiHarness('coverageapi');
    const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
    const customers: Customer[] = [
      { id: 'c1', name: 'Route One Logistics', active: true, leadAdvisorId: 'a1' },
      { id: 'c2', name: 'Other Fleet', active: true },
    ];
    const advisors: Advisor[] = [{ id: 'a1', name: 'Advisor One', active: true }, { id: 'a2', name: 'Advisor Two', active: true }];
    const vehicles: Vehicle[] = [{ vin, customerId: 'c1', active: true }];
    await registry.putMany('advisor', advisors);
    await registry.putMany('customer', customers);
    await registry.putMany('vehicle', vehicles);
    await registry.putMany('station', stations);
    // The truck drives the 600 km at 80 km/h, one position a minute (trucks report every 30 s or so).
    const telemetry = createTelemetryStore({ version: 1, url: h.services.influxUrl, database: h.services.influxDb });
    const lines: string[] = [];
    for (let i = 0; ; i++) {
      const km = Math.min(600, (i * 80) / 60);
      const p = at(km);
      lines.push(`position,vin=${vin},customer=c1 lat=${p.lat},lon=${p.lon},speedKmh=80 ${START + i * 60_000}`);
      if (km >= 600) break;
    }
    // A coolant-temperature fault (SPN 110 → cooling parts) reported halfway; no station stocks cooling parts.
    lines.push(`dtc,customer=c1,fmi=0,spn=110,vin=${vin} oc=1i,severity="critical" ${START + 4 * 3_600_000 + 5000}`);
    await telemetry.write(lines);
  });

  afterAll(async () => {
    await h?.close();
  });

  const get = async (url: string, token: string) => h.app.inject({ method: 'GET', url, headers: h.auth(token) });

  it('answers 50 % ± 1 % for the analytic route from positions in InfluxDB, then from the cache', async () => {
    const token = await h.token('customer', { customerId: 'c1' });
    const res = await get(`/v1/customers/c1/coverage?${q}`, token);
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.cached).toBe(false);
    expect(report.trucks).toBe(1);
    expect(report.overall.km).toBeGreaterThan(595);
    expect(Math.abs(report.overall.kmShare - 0.5)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(report.overall.hoursShare - 0.5)).toBeLessThanOrEqual(0.01);
    expect(report.fixedPoint).toBeNull(); // no fixed points assigned yet
    expect(report.gaps.length).toBe(2);
    expect(report.gaps[0].nearestStationId).toMatch(/^s[123]$/);
    // Real regions: the route starts in Guangdong (44xxxx) and ends in Hunan (43xxxx).
    const provinces = new Set(report.regions.map((x: { region: string }) => x.region.slice(0, 2)));
    expect(provinces.has('44')).toBe(true);
    expect(provinces.has('43')).toBe(true);
    const regionKm = report.regions.reduce((s: number, x: { km: number }) => s + x.km, 0);
    expect(regionKm).toBeCloseTo(report.overall.km, 0);

    const again = (await get(`/v1/customers/c1/coverage?${q}`, token)).json();
    expect(again.cached).toBe(true);
    expect(again.overall).toEqual(report.overall);
  });

  it('recomputes after a station change (cache invalidated by the station registry version)', async () => {
    const token = await h.token('admin');
    const before = (await get(`/v1/customers/c1/coverage?${q}`, token)).json();
    const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
    await registry.put('station', station('tyre-only', 350, { capabilities: ['tyre', 'engine'] }));
    const after = (await get(`/v1/customers/c1/coverage?${q}`, token)).json();
    expect(after.cached).toBe(false);
    expect(after.overall.coveredKm).toBeGreaterThan(before.overall.coveredKm + 50);
    await registry.put('station', stations[3]!); // back to tyre only
    const restored = (await get(`/v1/customers/c1/coverage?${q}`, token)).json();
    expect(Math.abs(restored.overall.kmShare - 0.5)).toBeLessThanOrEqual(0.01);
  });

  it('scopes: own customer and admins/agents see it; another customer, an unrelated advisor and a station get 404', async () => {
    const ok = [await h.token('customer', { customerId: 'c1' }), await h.token('admin'), await h.token('agent'), await h.token('advisor', { advisorId: 'a1' })];
    for (const token of ok) expect((await get(`/v1/customers/c1/coverage?${q}`, token)).statusCode).toBe(200);
    const hidden = [await h.token('customer', { customerId: 'c2' }), await h.token('advisor', { advisorId: 'a2' }), await h.token('station', { stationId: 's1' })];
    for (const token of hidden) {
      for (const path of ['coverage', 'coverage/prepositioning', 'assignments/suggestions']) {
        const res = await get(`/v1/customers/c1/${path}?from=${from}&to=${to}`, token);
        expect(res.statusCode).toBe(404);
        expect(res.json().error).toBe('not_found');
      }
    }
    expect((await get(`/v1/customers/nobody/coverage`, await h.token('admin'))).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/v1/customers/c1/coverage?${q}` })).statusCode).toBe(401);
    // Fleet-wide variants: admins and agents only.
    expect((await get(`/v1/coverage?${q}`, await h.token('customer', { customerId: 'c1' }))).statusCode).toBe(403);
    const fleet = await get(`/v1/coverage?${q}`, await h.token('agent'));
    expect(fleet.statusCode).toBe(200);
    expect(fleet.json().customerId).toBeNull();
    expect(Math.abs(fleet.json().overall.kmShare - 0.5)).toBeLessThanOrEqual(0.01);
  });

  it('answers an empty report for a customer without positions', async () => {
    const res = await get(`/v1/customers/c2/coverage?${q}`, await h.token('customer', { customerId: 'c2' }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.trucks).toBe(0);
    expect(body.overall.km).toBe(0);
    expect(body.overall.kmShare).toBe(0);
    expect(body.gaps).toEqual([]);
  });

  it('validates the query', async () => {
    const token = await h.token('admin');
    const backwards = await get(`/v1/customers/c1/coverage?from=${to}&to=${from}`, token);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error).toBe('validation_failed');
    expect((await get(`/v1/customers/c1/coverage?thresholdMin=1`, token)).json().details[0].field).toBe('querystring.thresholdMin');
    expect((await get(`/v1/customers/c1/coverage?capability=teleport`, token)).statusCode).toBe(400);
  });

  it('returns covered and uncovered lines and the stations as GeoJSON', async () => {
    const res = await get(`/v1/customers/c1/coverage?${q}&format=geojson`, await h.token('customer', { customerId: 'c1' }));
    expect(res.statusCode).toBe(200);
    const geo = res.json();
    expect(geo.type).toBe('FeatureCollection');
    const covered = geo.features.find((f: { properties: { kind: string } }) => f.properties.kind === 'covered');
    const uncovered = geo.features.find((f: { properties: { kind: string } }) => f.properties.kind === 'uncovered');
    expect(covered.geometry.type).toBe('MultiLineString');
    expect(covered.geometry.coordinates.length).toBeGreaterThan(0);
    expect(uncovered.geometry.coordinates.length).toBeGreaterThan(0);
    const stationIds = geo.features.filter((f: { properties: { kind: string } }) => f.properties.kind === 'station').map((f: { properties: { stationId: string } }) => f.properties.stationId);
    expect(stationIds.sort()).toEqual(['s1', 's2', 's3']); // capable stations only
  });

  it('suggests sites with their gain for pre-positioning', async () => {
    const res = await get(`/v1/customers/c1/coverage/prepositioning?${q}&k=2`, await h.token('agent'));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.picks.length).toBe(2);
    for (const pick of body.picks) expect(pick.gainKm).toBeGreaterThan(0);
    expect(body.picks[0].gainKm).toBeGreaterThanOrEqual(body.picks[1].gainKm);
    expect(body.picks[1].kmShareAfter).toBeGreaterThan(body.overall.kmShare);
    // The tyre-only station in the middle of the longest gap is a candidate once it gains the capability.
    const ids = body.picks.map((p: { site: { id: string } }) => p.site.id);
    expect(ids.some((id: string) => id.startsWith('city:') || id === 'station:tyre-only')).toBe(true);
    expect(body.parts).toEqual([
      expect.objectContaining({ partsCategory: 'cooling', faults: 1, trucks: 1, depotId: null, depotStocks: false }),
    ]);
  });

  it('suggests fixed points per region and lets an admin accept one into the assignments', async () => {
    const customer = await h.token('customer', { customerId: 'c1' });
    const res = await get(`/v1/customers/c1/assignments/suggestions?from=${from}&to=${to}`, customer);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.regions.length).toBeGreaterThan(0);
    const region = body.regions[0];
    expect(region.suggestions.length).toBeGreaterThan(0);
    const best = region.suggestions[0];
    expect(best.timeWeightedEtaMin).toBeGreaterThan(0);
    expect(best.scoreMin).toBeGreaterThanOrEqual(best.timeWeightedEtaMin);

    const accept = (token: string, payload: Record<string, unknown>) =>
      h.app.inject({ method: 'POST', url: '/v1/customers/c1/assignments/suggestions/accept', headers: h.auth(token), payload: { from, to, ...payload } });
    expect((await accept(customer, { region: region.region, stationId: best.stationId })).statusCode).toBe(403);
    const admin = await h.token('admin');
    const notSuggested = await accept(admin, { region: region.region, stationId: 'tyre-only' });
    expect(notSuggested.statusCode).toBe(409);
    const ok = await accept(admin, { region: region.region, stationId: best.stationId, reason: 'closest to where the trucks run' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().assignment.advisorId).toBe('a1'); // the lead advisor
    const assignments = (await get('/v1/customers/c1/assignments', admin)).json();
    expect(assignments.assignments.map((a: { region: string; stationId: string }) => [a.region, a.stationId])).toContainEqual([region.region, best.stationId]);
    expect(assignments.history[0].reason).toBe('closest to where the trucks run');
    // The fixed-point measure now exists, and the assignment change invalidated the cached report.
    const report = (await get(`/v1/customers/c1/coverage?${q}`, customer)).json();
    expect(report.cached).toBe(false);
    expect(report.fixedPointStationIds).toEqual([best.stationId]);
    expect(report.fixedPoint.kmShare).toBeGreaterThan(0);
    expect(report.fixedPoint.kmShare).toBeLessThanOrEqual(report.overall.kmShare + 1e-9);
  });
});
