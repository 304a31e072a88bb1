// The maintenance API on the real app (app.inject, real Redis and InfluxDB): plans, service history, due
// items, the fleet list, reminders with snooze and dismiss, scoping, and the bad input — each a clear
// 4xx that changes nothing. Also the warranty acceptance: a truck 29 days before its third in-service
// anniversary gets a warranty reminder (one at 31 days does not).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonthsCst, cstDate, cstDateStart, cstDayStart, DAY_MS } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { createDueScanner } from '../../maintenance/due-scan.ts';
import { createRepairSettingsStore } from '../../infra/repair-settings-store.ts';
import { createUsageRollup } from '../../maintenance/usage-rollup.ts';
import { startApiHarness, type ApiHarness } from '../api/app-harness.ts';
import { customers, stations, vin } from '../api/fixtures.ts';
import { drivingLog, writeDays } from './support.ts';

const yearsAgo = (years: number, plusDays: number) => {
  const d = new Date(cstDayStart(Date.now()) + 8 * 3600_000 + plusDays * DAY_MS);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.toISOString().slice(0, 10);
};

describe('maintenance API', () => {
  let h: ApiHarness;
  let admin: string;
  let c1: string;
  let c2: string;
  let advisor: string;
  const today = cstDate(Date.now());

  beforeAll(async () => {
    // Offers up to 31 days from a due date count as near: the next service day is always within that.
    h = await startApiHarness('maintapi', { env: { SERVICE_DAY_NEAR_DAYS: '31' } });
    const registry = createRegistryStore({ redis: h.redis, prefix: h.services.redisPrefix });
    await registry.putMany('customer', customers);
    await registry.putMany('station', stations);
    await registry.putMany('advisor', [{ id: 'A1', name: 'Advisor One', active: true }]);
    await registry.putMany('vehicle', [
      { vin: vin(1), customerId: 'C1', plate: '皖A12345', model: '6x4 tractor 460 hp', inServiceDate: yearsAgo(3, 29), homeRegion: '340100', active: true },
      { vin: vin(2), customerId: 'C1', plate: '皖A22222', model: '6x4 tractor 460 hp', inServiceDate: yearsAgo(3, 31), homeRegion: '340100', active: true },
      { vin: vin(3), customerId: 'C2', plate: '粤B33333', model: '6x4 tractor 460 hp', inServiceDate: '2025-01-01', homeRegion: '440300', active: true },
    ]);
    await registry.assign('C1', { region: '340100', stationId: 'S1', advisorId: 'A1', assignedAt: new Date().toISOString(), assignedBy: 'test' });
    await h.api.maintenanceStore.putPlans(DEFAULT_MAINTENANCE_PLANS);
    admin = await h.token('admin');
    c1 = await h.token('customer', { customerId: 'C1' });
    c2 = await h.token('customer', { customerId: 'C2' });
    advisor = await h.token('advisor', { advisorId: 'A1' });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('rejects plans with zero or negative intervals (400) and keeps the plans as they were', async () => {
    const before = (await h.app.inject({ method: 'GET', url: '/v1/maintenance-plans', headers: h.auth(admin) })).json();
    const bad = (every: Record<string, number>) => [{ model: 'X', items: [{ id: 'oil', name: { zh: '机油', en: 'Oil' }, every, kit: [], labourHours: 1 }] }];
    const invalid: Array<Record<string, number>> = [{ km: 0 }, { km: -20_000 }, { hours: 0, km: 10_000 }, { months: -1 }, {}];
    for (const every of invalid) {
      const res = await h.app.inject({ method: 'PUT', url: '/v1/maintenance-plans', headers: h.auth(admin), payload: bad(every) });
      expect(res.statusCode, JSON.stringify(every)).toBe(400);
      const body = res.json() as { error: string; details: Array<{ field: string; message: string }> };
      expect(body.error).toBe('validation_failed');
      expect(body.details[0]!.field).toMatch(/^body/);
    }
    const dup = await h.app.inject({ method: 'PUT', url: '/v1/maintenance-plans', headers: h.auth(admin), payload: [{ model: 'X', items: [
      { id: 'oil', name: { zh: '机油', en: 'Oil' }, every: { km: 1 }, kit: [], labourHours: 1 },
      { id: 'oil', name: { zh: '机油', en: 'Oil' }, every: { km: 2 }, kit: [], labourHours: 1 },
    ] }] });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().details[0].field).toBe('body[0].items[1].id');
    const forbidden = await h.app.inject({ method: 'PUT', url: '/v1/maintenance-plans', headers: h.auth(c1), payload: bad({ km: 100 }) });
    expect(forbidden.statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/v1/maintenance-plans', headers: h.auth(admin) })).json()).toEqual(before);
  });

  it('records a service, moves the due point, and rejects future dates and odometer going backwards (nothing stored)', async () => {
    const url = `/v1/vehicles/${vin(1)}/services`;
    const ok = await h.app.inject({ method: 'POST', url, headers: h.auth(advisor), payload: { id: 'svc-a', date: cstDate(Date.now() - 10 * DAY_MS), odometerKm: 150_000, engineHours: 3000, items: ['engine-oil', 'air-filter'], stationId: 'S1' } });
    // The advisor A1 is C1's lead advisor.
    expect(ok.statusCode).toBe(201);
    const oil = (ok.json() as { due: { items: Array<{ itemId: string; cycle: string; dueKm: number }> } }).due.items.find((i) => i.itemId === 'engine-oil')!;
    expect(oil).toMatchObject({ cycle: 'svc-a', dueKm: 170_000 });
    const again = await h.app.inject({ method: 'POST', url, headers: h.auth(admin), payload: { id: 'svc-a', date: cstDate(Date.now() - 10 * DAY_MS), odometerKm: 150_000, items: ['engine-oil'] } });
    expect(again.statusCode).toBe(200);

    const future = await h.app.inject({ method: 'POST', url, headers: h.auth(admin), payload: { date: cstDate(Date.now() + 2 * DAY_MS), odometerKm: 160_000, items: ['engine-oil'] } });
    expect(future.statusCode).toBe(400);
    expect(future.json().details).toEqual([{ field: 'body.date', message: expect.stringContaining('after today') }]);
    const lower = await h.app.inject({ method: 'POST', url, headers: h.auth(admin), payload: { date: today, odometerKm: 149_000, items: ['engine-oil'] } });
    expect(lower.statusCode).toBe(409);
    expect(lower.json().details[0].field).toBe('body.odometerKm');
    const unknownItem = await h.app.inject({ method: 'POST', url, headers: h.auth(admin), payload: { date: today, odometerKm: 151_000, items: ['flux-capacitor'] } });
    expect(unknownItem.statusCode).toBe(400);
    const negative = await h.app.inject({ method: 'POST', url, headers: h.auth(admin), payload: { date: today, odometerKm: -5, items: ['engine-oil'] } });
    expect(negative.statusCode).toBe(400);
    const otherTenant = await h.app.inject({ method: 'POST', url: `/v1/vehicles/${vin(3)}/services`, headers: h.auth(c1), payload: { date: today, odometerKm: 1, items: ['engine-oil'] } });
    expect(otherTenant.statusCode).toBe(403); // customers do not record services; see below for the 404 of another tenant
    const otherTenantAdvisor = await h.app.inject({ method: 'POST', url: `/v1/vehicles/${vin(3)}/services`, headers: h.auth(advisor), payload: { date: today, odometerKm: 1, items: ['engine-oil'] } });
    expect(otherTenantAdvisor.statusCode).toBe(404);

    const history = (await h.app.inject({ method: 'GET', url, headers: h.auth(c1) })).json() as Array<{ id: string }>;
    expect(history.map((s) => s.id)).toEqual(['svc-a']);
    expect((await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin(3)}/services`, headers: h.auth(admin) })).json()).toEqual([]);
    expect((await h.app.inject({ method: 'GET', url, headers: h.auth(c2) })).statusCode).toBe(404);
  });

  it('raises a warranty reminder 29 days before the third in-service anniversary, not at 31; lists, snoozes and dismisses it', async () => {
    const telemetry = createTelemetryStore({ version: 1, url: h.services.influxUrl, database: h.services.influxDb });
    const firstDay = cstDayStart(Date.now()) - 5 * DAY_MS;
    await writeDays(telemetry, [1, 2, 3].map((n) => drivingLog(vin(n), n === 3 ? 'C2' : 'C1', firstDay, 4, 500, n, 150_500)), 0, 4);
    const scanner = createDueScanner({
      store: h.api.maintenanceStore, registry: h.api.registry,
      usage: createUsageRollup({ telemetry, redis: h.redis, prefix: h.services.redisPrefix }, { lagMs: 0, redoDays: 1, backfillDays: 10 }),
      warranty: createRepairSettingsStore({ redis: h.redis, prefix: h.services.redisPrefix }),
      rules: h.api.config.maintenance.rules,
    });
    await scanner.run(Date.now(), 'full');
    const list = (await h.app.inject({ method: 'GET', url: '/v1/maintenance/reminders?customerId=C1', headers: h.auth(c1) })).json() as Array<{ id: string; vin: string; itemId: string; level: string; text: { zh: string; en: string } }>;
    const warranty = list.filter((r) => r.itemId === 'warranty');
    expect(warranty.map((r) => [r.vin, r.level])).toEqual([[vin(1), 'due_soon']]);
    expect(warranty[0]!.text.zh).toContain('质保');
    expect(warranty[0]!.text.en).toContain('warranty');
    // Scoped: C2 does not see C1's reminders.
    const c2List = (await h.app.inject({ method: 'GET', url: '/v1/maintenance/reminders?customerId=C1', headers: h.auth(c2) })).json() as unknown[];
    expect(c2List).toEqual([]);
    const id = warranty[0]!.id;
    expect((await h.app.inject({ method: 'POST', url: `/v1/maintenance/reminders/${id}/snooze`, headers: h.auth(c2), payload: { until: new Date(Date.now() + DAY_MS).toISOString(), reason: 'x' } })).statusCode).toBe(404);
    const past = await h.app.inject({ method: 'POST', url: `/v1/maintenance/reminders/${id}/snooze`, headers: h.auth(c1), payload: { until: new Date(Date.now() - DAY_MS).toISOString(), reason: 'x' } });
    expect(past.statusCode).toBe(400);
    const snoozed = await h.app.inject({ method: 'POST', url: `/v1/maintenance/reminders/${id}/snooze`, headers: h.auth(c1), payload: { until: new Date(Date.now() + 3 * DAY_MS).toISOString(), reason: '下周进站' } });
    expect(snoozed.json()).toMatchObject({ state: 'snoozed', reason: '下周进站' });
    const dismissed = await h.app.inject({ method: 'POST', url: `/v1/maintenance/reminders/${id}/dismiss`, headers: h.auth(advisor), payload: { reason: 'extended warranty bought' } });
    expect(dismissed.json()).toMatchObject({ state: 'dismissed', reason: 'extended warranty bought', by: 'advisor-A1' });
    const open = (await h.app.inject({ method: 'GET', url: '/v1/maintenance/reminders?state=dismissed', headers: h.auth(c1) })).json() as Array<{ id: string }>;
    expect(open.map((r) => r.id)).toEqual([id]);
    // A second scan raises nothing new (dismissed stays dismissed, not re-raised).
    await scanner.run(Date.now(), 'full');
    expect((await h.api.maintenanceStore.allReminders()).filter((r) => r.itemId === 'warranty')).toHaveLength(1);
  });

  it('lists the fleet\'s due status scoped to the caller, filtered by status', async () => {
    const all = (await h.app.inject({ method: 'GET', url: '/v1/maintenance', headers: h.auth(admin) })).json() as { items: Array<{ vin: string; status: string }>; total: number };
    expect(all.total).toBe(3);
    const mine = (await h.app.inject({ method: 'GET', url: '/v1/maintenance', headers: h.auth(c1) })).json() as { items: Array<{ vin: string }> };
    expect(mine.items.map((i) => i.vin).sort()).toEqual([vin(1), vin(2)].sort());
    const overdue = (await h.app.inject({ method: 'GET', url: '/v1/maintenance?status=overdue', headers: h.auth(admin) })).json() as { items: Array<{ status: string }> };
    expect(overdue.items.every((i) => i.status === 'overdue')).toBe(true);
    expect((await h.app.inject({ method: 'GET', url: '/v1/maintenance?customerId=C1', headers: h.auth(c2) })).json().total).toBe(0);
    const one = (await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin(1)}/maintenance`, headers: h.auth(c1) })).json() as { usage: { kmPerDay: number }; due: { items: Array<{ itemId: string; predictedMs?: number }> } };
    expect(one.usage.kmPerDay).toBeGreaterThan(0);
    expect(one.due.items.find((i) => i.itemId === 'engine-oil')!.predictedMs).toBeGreaterThan(0);
    expect((await h.app.inject({ method: 'GET', url: `/v1/vehicles/${vin(1)}/maintenance`, headers: h.auth(c2) })).statusCode).toBe(404);
  });

  it('service day: a station publishes its offer for the 7th; reminders near it carry the offer', async () => {
    const d = new Date(Date.now() + 8 * 3600_000);
    const next7 = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + (d.getUTCDate() > 7 ? 1 : 0), 7)).toISOString().slice(0, 10);
    const s1 = await h.token('station', { stationId: 'S1' });
    const offer = { offer: { zh: '服务日工时费八折', en: 'Service day: 20 % off labour' } };
    const wrongDay = await h.app.inject({ method: 'PUT', url: `/v1/stations/S1/service-days/${next7.slice(0, 8)}08`, headers: h.auth(s1), payload: offer });
    expect(wrongDay.statusCode).toBe(400);
    expect(wrongDay.json().details[0].field).toBe('params.date');
    const otherStation = await h.app.inject({ method: 'PUT', url: `/v1/stations/S3/service-days/${next7}`, headers: h.auth(s1), payload: offer });
    expect(otherStation.statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/v1/service-days', headers: h.auth(admin) })).json()).toEqual([]);
    const ok = await h.app.inject({ method: 'PUT', url: `/v1/stations/S1/service-days/${next7}`, headers: h.auth(s1), payload: offer });
    expect(ok.statusCode).toBe(200);
    const reminders = (await h.app.inject({ method: 'GET', url: '/v1/maintenance/reminders?customerId=C1', headers: h.auth(c1) })).json() as Array<{ itemId: string; serviceDay?: { stationId: string; date: string; offer: { zh: string } } }>;
    const maintenance = reminders.filter((r) => r.itemId !== 'warranty');
    expect(maintenance.length).toBeGreaterThan(0);
    expect(maintenance.every((r) => r.serviceDay?.stationId === 'S1' && r.serviceDay.date === next7 && r.serviceDay.offer.zh === offer.offer.zh)).toBe(true);
    expect(reminders.filter((r) => r.itemId === 'warranty').every((r) => r.serviceDay === undefined)).toBe(true);
    // C2's fixed points are elsewhere: its reminders carry no S1 offer.
    const c2List = (await h.app.inject({ method: 'GET', url: '/v1/maintenance/reminders', headers: h.auth(c2) })).json() as Array<{ serviceDay?: unknown }>;
    expect(c2List.every((r) => r.serviceDay === undefined)).toBe(true);
  });

  it('takes the warranty limits from the repair loop\'s policy of the model (the default policy otherwise)', async () => {
    // A city bus model with a 2-year / 300,000 km policy, 20 days before its second anniversary.
    const bus = { vin: vin(4), customerId: 'C2', plate: '粤B44444', model: 'city bus 12 m', inServiceDate: yearsAgo(2, 20), homeRegion: '440300', active: true };
    await h.api.registry.put('vehicle', bus);
    const put = await h.app.inject({ method: 'PUT', url: `/v1/warranty-policies/${encodeURIComponent(bus.model)}`, headers: h.auth(admin), payload: { years: 2, km: 300_000 } });
    expect(put.statusCode).toBeLessThan(300);
    const warrantyOf = async (v: string) =>
      ((await h.app.inject({ method: 'GET', url: `/v1/vehicles/${v}/maintenance`, headers: h.auth(admin) })).json() as { due: { items: Array<{ itemId: string; dueKm?: number; dueDateMs?: number; status: string }> } }).due.items.find((i) => i.itemId === 'warranty')!;
    const busWarranty = await warrantyOf(bus.vin);
    expect(busWarranty).toMatchObject({ dueKm: 300_000, status: 'due_soon' });
    expect(busWarranty.dueDateMs).toBe(addMonthsCst(cstDateStart(bus.inServiceDate), 24));
    expect(await warrantyOf(vin(3))).toMatchObject({ dueKm: 1_000_000 }); // no policy for its model: the default
    // The scan raises the bus's warranty reminder from the same policy.
    const telemetry = createTelemetryStore({ version: 1, url: h.services.influxUrl, database: h.services.influxDb });
    const scanner = createDueScanner({
      store: h.api.maintenanceStore, registry: h.api.registry,
      usage: createUsageRollup({ telemetry, redis: h.redis, prefix: h.services.redisPrefix }, { lagMs: 0, redoDays: 1, backfillDays: 10 }),
      warranty: createRepairSettingsStore({ redis: h.redis, prefix: h.services.redisPrefix }),
      rules: h.api.config.maintenance.rules,
    });
    await scanner.run(Date.now(), 'full');
    const raised = (await h.api.maintenanceStore.allReminders()).filter((r) => r.vin === bus.vin && r.itemId === 'warranty');
    expect(raised.map((r) => [r.level, r.due.dueKm])).toEqual([['due_soon', 300_000]]);
  });
});
