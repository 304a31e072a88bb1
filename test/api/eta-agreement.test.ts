// One ETA model per deployment: with ROAD_CIRCUITY set, the same point gets the same ETA from
// GET /v1/stations/nearest, from a rescue case's candidates (the dispatcher), and from coverage. Before the
// API built its services in one place, /stations/nearest used the default model whatever the configuration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEtaModel, DEFAULT_ETA_MODEL, etaMinutes } from '../../core/eta.ts';
import type { Customer, Station, Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { loadRegionMap } from '../../infra/regions-data.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { waitFor } from '../harness/context.ts';
import { createRig, type DispatchRig } from '../dispatcher/setup.ts';
import { startApiHarness, type ApiHarness } from './app-harness.ts';

const CIRCUITY = '1.9';
const model = createEtaModel({ circuity: Number(CIRCUITY) });
const regions = loadRegionMap();
const truck = { lat: 30.9, lon: 114.6 }; // east of Wuhan
const START = Date.UTC(2026, 9, 5, 0, 0, 0);

function station(id: string, lat: number, lon: number): Station {
  return {
    id, name: `Station ${id}`, lat, lon, region: regions.locate(lat, lon)?.code ?? '420100', hours: '24h',
    capabilities: ['heavy-duty', 'engine'], vans: 2, rating: 4.5, partsCategories: ['engine'], active: true,
  };
}

describe('one ETA model for nearest stations, case candidates and coverage', () => {
  let h: ApiHarness;
  let rig: DispatchRig;
  const vin = withCheckDigit('LCVET1X10RA000001');
  const stations = [station('near', 30.6, 114.3), station('mid', 30.2, 114.9), station('far', 31.5, 115.5)];
  const customer: Customer = { id: 'eta-c1', name: 'ETA Logistics', active: true };
  const vehicle: Vehicle = { vin, customerId: customer.id, active: true };

  beforeAll(async () => {
    h = await startApiHarness('eta-agreement', { env: { ROAD_CIRCUITY: CIRCUITY } });
    rig = await createRig(h.services, { ROAD_CIRCUITY: CIRCUITY }, { stations, customers: [customer], vehicles: [vehicle] });
    await rig.startDispatcher();
  });

  afterAll(async () => {
    await rig?.close();
    await h?.close();
  });

  it('the configured circuity changes the answer (so the comparisons below can fail)', () => {
    const configured = etaMinutes(stations[0]!, truck, model);
    const fallback = etaMinutes(stations[0]!, truck, DEFAULT_ETA_MODEL);
    expect(Math.abs(configured - fallback)).toBeGreaterThan(2);
  });

  it('GET /v1/stations/nearest answers with the configured model', async () => {
    const token = await h.token('agent');
    const res = await h.app.inject({ method: 'GET', url: `/v1/stations/nearest?lat=${truck.lat}&lon=${truck.lon}&limit=3`, headers: h.auth(token) });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{ station: Station; etaMin: number }>;
    expect(items).toHaveLength(3);
    for (const item of items) expect(item.etaMin).toBeCloseTo(etaMinutes(item.station, truck, model), 1);
  });

  it('a rescue case ranks its candidates with the same ETAs as /v1/stations/nearest', async () => {
    const agent = await h.token('agent');
    const opened = await h.app.inject({ method: 'POST', url: '/v1/rescues', headers: h.auth(agent), payload: { vin, ...truck } });
    expect(opened.statusCode).toBe(201);
    const id = opened.json().id as string;
    const withCandidates = await waitFor(async () => {
      const c = (await h.app.inject({ method: 'GET', url: `/v1/rescues/${id}`, headers: h.auth(agent) })).json();
      return c.candidates?.length >= 3 ? c : undefined;
    }, { what: 'the case to have its candidates' });
    const nearest = (await h.app.inject({ method: 'GET', url: `/v1/stations/nearest?lat=${truck.lat}&lon=${truck.lon}&limit=3`, headers: h.auth(agent) })).json();
    const apiEta = new Map((nearest.items as Array<{ station: Station; etaMin: number }>).map((i) => [i.station.id, i.etaMin]));
    for (const candidate of withCandidates.candidates as Array<{ stationId: string; etaMin: number }>) {
      expect(apiEta.has(candidate.stationId)).toBe(true);
      expect(candidate.etaMin).toBeCloseTo(apiEta.get(candidate.stationId)!, 0);
    }
  });

  it('coverage counts a stretch as covered by the same model', async () => {
    // The truck drives slowly around one point for two hours; the threshold lies between the default
    // model's ETA from the nearest station and the configured one: covered only under the wrong model.
    const point = { lat: 33.5, lon: 112.0 };
    const lone = station('lone', 33.9, 112.4);
    await rig.registry.putMany('station', [lone]);
    const coverageCustomer: Customer = { id: 'eta-c2', name: 'Coverage Check', active: true };
    const coverageVin = withCheckDigit('LCVET1X10RA000002');
    await rig.registry.putMany('customer', [coverageCustomer]);
    await rig.registry.putMany('vehicle', [{ vin: coverageVin, customerId: coverageCustomer.id, active: true }]);
    const slow = etaMinutes(lone, point, model);
    const fast = etaMinutes(lone, point, DEFAULT_ETA_MODEL);
    expect(slow - fast).toBeGreaterThan(4);
    const threshold = Math.round((slow + fast) / 2);
    const telemetry = createTelemetryStore({ version: 1, url: h.services.influxUrl, database: h.services.influxDb });
    const lines: string[] = [];
    for (let i = 0; i <= 120; i++) {
      const lat = point.lat + (i % 2 === 0 ? 0 : 0.01);
      lines.push(`position,vin=${coverageVin},customer=${coverageCustomer.id} lat=${lat},lon=${point.lon},speedKmh=40 ${START + i * 60_000}`);
    }
    await telemetry.write(lines);
    const from = new Date(START - 60_000).toISOString();
    const to = new Date(START + 3 * 3_600_000).toISOString();
    const admin = await h.token('admin');
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/customers/${coverageCustomer.id}/coverage?from=${from}&to=${to}&thresholdMin=${threshold}&capability=engine`,
      headers: h.auth(admin),
    });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report.overall.km).toBeGreaterThan(10);
    expect(report.overall.coveredKm).toBe(0);
  });
});
