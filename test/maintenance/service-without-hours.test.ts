// A service recorded without engine hours (POST /v1/vehicles/{vin}/services, real app, Redis and InfluxDB): its
// hours-based items count from the truck's reading at the service taken from its usage roll-up — not from 0 h, which
// made every hours item overdue right after the service — and with no usage to tell, that cycle has no hours limit.
// The API's due answer and the scheduler's due scan agree on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cstDate, cstDayStart, DAY_MS } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createRepairSettingsStore } from '../../infra/repair-settings-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { createDueScanner } from '../../maintenance/due-scan.ts';
import { createUsageRollup } from '../../maintenance/usage-rollup.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { customers, stations, vin } from '../api/fixtures.ts';
import { countersAt, drivingLog, writeDays } from './support.ts';

interface Due { itemId: string; cycle: string; status: string; dueKm?: number; dueHours?: number; remainingHours?: number }

describe('a service recorded without engine hours', () => {
  let h: ApiHarness;
  let admin: string;
  let scanner: ReturnType<typeof createDueScanner>;
  const firstDay = cstDayStart(Date.now()) - 6 * DAY_MS;
  // Five days of driving, rolled up: the usage snapshot's reading is the one at the end of yesterday.
  const driven = drivingLog(vin(11), 'C1', firstDay, 6, 500, 11, 150_500);

  beforeAll(async () => {
    h = await startApiHarness('maintnohours');
    const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
    await registry.putMany('customer', customers);
    await registry.putMany('station', stations);
    await registry.putMany('vehicle', [
      { vin: vin(11), customerId: 'C1', plate: '皖A11111', model: '6x4 tractor 460 hp', inServiceDate: '2024-03-01', homeRegion: '340100', active: true },
      { vin: vin(12), customerId: 'C1', plate: '皖A11112', model: '6x4 tractor 460 hp', inServiceDate: '2024-03-01', homeRegion: '340100', active: true },
    ]);
    await h.api.maintenanceStore.putPlans(DEFAULT_MAINTENANCE_PLANS);
    admin = await h.token('admin');
    const telemetry = createTelemetryStore({ version: 1, url: h.services.influxUrl, database: h.services.influxDb });
    await writeDays(telemetry, [driven], 0, 6);
    scanner = createDueScanner({
      store: h.api.maintenanceStore, registry: h.api.registry,
      usage: createUsageRollup({ telemetry, redis: h.redis, prefix: h.services.redisPrefix }, { lagMs: 0, redoDays: 1, backfillDays: 10 }),
      warranty: createRepairSettingsStore({ redis: h.redis, prefix: h.services.redisPrefix }),
      rules: h.api.config.maintenance.rules,
    });
    await scanner.run(Date.now(), 'full');
  });

  afterAll(async () => {
    await h?.close();
  });

  const apiDue = async (v: string) => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/vehicles/${v}/maintenance`, headers: h.auth(admin) });
    expect(res.statusCode).toBe(200);
    return (res.json() as { due: { items: Due[] } }).due.items;
  };

  it('counts the hours items from the truck\'s reading at the service, not 0 h: not overdue right after it', async () => {
    const usage = (await h.api.maintenanceStore.usage([vin(11)])).get(vin(11))!;
    expect(usage.engineHours).toBeGreaterThan(2000);
    const reading = usage.engineHours!;
    // Serviced today, after the newest rolled-up reading: the cycle counts from that reading.
    const res = await h.app.inject({
      method: 'POST', url: `/v1/vehicles/${vin(11)}/services`, headers: h.auth(admin),
      payload: { id: 'svc-nohours', date: cstDate(Date.now()), odometerKm: Math.ceil(countersAt(driven, Date.now()).km), items: ['engine-oil', 'fuel-filters'] },
    });
    expect(res.statusCode).toBe(201);
    const items = (res.json() as { due: { items: Due[] } }).due.items;
    const oil = items.find((i) => i.itemId === 'engine-oil')!;
    expect(oil).toMatchObject({ cycle: 'svc-nohours', status: 'ok', dueHours: reading + 500 });
    expect(oil.remainingHours).toBeCloseTo(500, 6);
    expect(items.find((i) => i.itemId === 'fuel-filters')).toMatchObject({ status: 'ok', dueHours: reading + 1000 });
    expect(await apiDue(vin(11))).toEqual(items.map((i) => expect.objectContaining({ itemId: i.itemId, status: i.status, ...(i.dueHours !== undefined ? { dueHours: i.dueHours } : {}) })));

    // The scheduler's scan (the record put the truck on its work list) stores the same due items.
    await scanner.run(Date.now(), 'incremental');
    const [scanned] = await h.api.maintenanceStore.due([vin(11)]);
    const api = await apiDue(vin(11));
    expect(scanned!.items.map(({ itemId, cycle, status, dueKm, dueHours }) => ({ itemId, cycle, status, dueKm, dueHours })))
      .toEqual(api.map(({ itemId, cycle, status, dueKm, dueHours }) => ({ itemId, cycle, status, dueKm, dueHours })));
    expect(scanned!.items.find((i) => i.itemId === 'engine-oil')).toMatchObject({ status: 'ok', dueHours: reading + 500 });
    // The record itself keeps what was entered: no engine hours.
    const history = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin(11)}/services`, headers: h.auth(admin) })).json() as Array<{ id: string; engineHours?: number }>;
    expect(history.find((s) => s.id === 'svc-nohours')!.engineHours).toBeUndefined();
  });

  it('a backdated service within the usage window counts from the reading less the hours driven since', async () => {
    const usage = (await h.api.maintenanceStore.usage([vin(11)])).get(vin(11))!;
    expect(usage.hoursPerDay).toBeGreaterThan(0);
    const stored = (await h.api.maintenanceStore.services(vin(11))).find((s) => s.id === 'svc-nohours')!;
    // An earlier aftertreatment service two days before the newest reading, at a lower odometer.
    const atMs = usage.atMs - 2 * DAY_MS;
    const res = await h.app.inject({
      method: 'POST', url: `/v1/vehicles/${vin(11)}/services`, headers: h.auth(admin),
      payload: { id: 'svc-brakes', date: cstDate(atMs), odometerKm: Math.floor(countersAt(driven, atMs).km), items: ['dpf-scr'] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const expected = Math.round((usage.engineHours! - usage.hoursPerDay! * 2) * 10) / 10;
    const dpf = (res.json() as { due: { items: Due[] } }).due.items.find((i) => i.itemId === 'dpf-scr')!;
    expect(dpf).toMatchObject({ cycle: 'svc-brakes', status: 'ok', dueHours: expected + 4000 });
    expect(stored.engineHoursFromUsage).toBe(usage.engineHours);

    // Older than the usage window: the usage cannot tell, so that cycle has no hours limit (not 0 h).
    const old = await h.app.inject({
      method: 'POST', url: `/v1/vehicles/${vin(11)}/services`, headers: h.auth(admin),
      payload: { id: 'svc-old', date: cstDate(usage.atMs - 40 * DAY_MS), odometerKm: 140_000, items: ['brakes', 'fuel-filters'] },
    });
    expect(old.statusCode, old.body).toBe(201);
    expect((await h.api.maintenanceStore.services(vin(11))).find((s) => s.id === 'svc-old')!.engineHoursFromUsage).toBeUndefined();
    // fuel-filters' cycle still starts at the newer svc-nohours, which has hours.
    expect((old.json() as { due: { items: Due[] } }).due.items.find((i) => i.itemId === 'fuel-filters')).toMatchObject({ cycle: 'svc-nohours', dueHours: usage.engineHours! + 1000 });
  });

  it('a cycle start stored at 0 h before this rule is rebuilt once (the scheduler\'s start): no longer overdue', async () => {
    const store = h.api.maintenanceStore;
    const keys = store.keys;
    await h.redis.del(`${keys.maintLastServices}:hours-repaired`);
    // As the previous version stored it: the record without engine hours, its cycle start at 0 h.
    const atMs = cstDayStart(Date.now()) - 3 * DAY_MS;
    const record = { id: 'svc-legacy', vin: vin(13), customerId: 'C1', atMs, odometerKm: 90_000, items: ['engine-oil'], source: 'manual', recordedAt: atMs, recordedBy: 'test' };
    await h.redis.hset(keys.maintServices(vin(13)), 'svc-legacy', JSON.stringify(record));
    await h.redis.hset(keys.maintLastServices, vin(13), JSON.stringify({ 'engine-oil': { cycle: 'svc-legacy', atMs, odometerKm: 90_000, engineHours: 0 } }));
    // A record that did say 0 h stays as it is.
    await h.redis.hset(keys.maintServices(vin(14)), 'svc-zero', JSON.stringify({ ...record, id: 'svc-zero', vin: vin(14), engineHours: 0 }));
    await h.redis.hset(keys.maintLastServices, vin(14), JSON.stringify({ 'engine-oil': { cycle: 'svc-zero', atMs, odometerKm: 90_000, engineHours: 0 } }));

    expect(await store.repairHourlessCycleStarts()).toBe(2);
    const last = await store.lastServices([vin(13), vin(14)]);
    expect(last.get(vin(13))!['engine-oil']).toEqual({ cycle: 'svc-legacy', atMs, odometerKm: 90_000 });
    expect(last.get(vin(14))!['engine-oil']).toEqual({ cycle: 'svc-zero', atMs, odometerKm: 90_000, engineHours: 0 });
    expect(await h.redis.smembers(keys.maintDirty)).toEqual(expect.arrayContaining([vin(13), vin(14)]));
    // Done once: a second call (another scheduler starting) does nothing.
    expect(await store.repairHourlessCycleStarts()).toBe(0);
  });

  it('with no usage to tell, the cycle has no hours limit (km and months still apply)', async () => {
    const res = await h.app.inject({
      method: 'POST', url: `/v1/vehicles/${vin(12)}/services`, headers: h.auth(admin),
      payload: { id: 'svc-blind', date: cstDate(Date.now()), odometerKm: 80_000, items: ['engine-oil'] },
    });
    expect(res.statusCode).toBe(201);
    const oil = (res.json() as { due: { items: Due[] } }).due.items.find((i) => i.itemId === 'engine-oil')!;
    expect(oil.cycle).toBe('svc-blind');
    expect(oil.status).toBe('ok');
    expect(oil.dueHours).toBeUndefined();
    expect(oil.dueKm).toBe(100_000);
    await scanner.run(Date.now(), 'incremental');
    const [scanned] = await h.api.maintenanceStore.due([vin(12)]);
    expect(scanned!.items.find((i) => i.itemId === 'engine-oil')).toMatchObject({ cycle: 'svc-blind', status: 'ok', dueKm: 100_000 });
    expect(scanned!.items.find((i) => i.itemId === 'engine-oil')!.dueHours).toBeUndefined();
  });
});
