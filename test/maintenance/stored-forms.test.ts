// The stored forms of a vehicle's due items and of reminders (infra/maintenance-store.ts): what a scan writes reads
// back exactly (absent figures stay absent, fractions keep every bit), and the forms earlier versions wrote still
// read (real Redis).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderRecordJson, type Reminder } from '../../core/maintenance-reminder.ts';
import { createMaintenanceStore } from '../../infra/maintenance-store.ts';
import type { VehicleDue } from '../../infra/maintenance-store.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { clearNamespace, testServices } from '../harness/context.ts';

const services = testServices('maintforms');

const due: VehicleDue = {
  vin: 'LFWADRJF0L0000009', customerId: '客户 "C9"', computedAt: 1_795_798_800_000, status: 'overdue',
  items: [
    { itemId: 'engine-oil', cycle: 'svc-1', dueKm: 123_456.789, dueHours: 2_057.6131, predictedMs: 1_795_812_345_678.25, basis: 'km', remainingKm: -0.1 + 0.2, remainingHours: 33.3333333333, status: 'due_soon' },
    { itemId: 'air-filter', cycle: 'initial', dueDateMs: 1_790_000_000_000, predictedMs: 1_790_000_000_000, basis: 'months', status: 'overdue' },
    { itemId: 'warranty', cycle: 'warranty', status: 'ok' },
  ],
};

describe('stored due items', () => {
  let redis: Redis;
  let store: ReturnType<typeof createMaintenanceStore>;

  beforeAll(() => {
    redis = createRedis(services, 'fail-fast');
    store = createMaintenanceStore({ redis, prefix: services.redisPrefix });
  });

  afterAll(async () => {
    await clearNamespace(redis, services);
    redis.disconnect();
  });

  it('reads back exactly what was written, and nothing for a vehicle never written', async () => {
    await store.putDue([due, { ...due, vin: 'LFWADRJF0L0000010', items: [] , status: 'ok' }]);
    const [back, empty, none] = await store.due([due.vin, 'LFWADRJF0L0000010', 'LFWADRJF0L0000011']);
    expect(back).toStrictEqual(due);
    expect(empty).toStrictEqual({ ...due, vin: 'LFWADRJF0L0000010', items: [], status: 'ok' });
    expect(none).toBeUndefined();
  });

  it('reads the positional JSON and the object JSON of earlier versions', async () => {
    const positional = `[2,${JSON.stringify(due.customerId)},${due.computedAt},2,["engine-oil","svc-1",1,123456.789,2057.6131,null,1795812345678.25,0,${-0.1 + 0.2},33.3333333333],["air-filter","initial",2,null,null,1790000000000,1790000000000,2,null,null],["warranty","warranty",0,null,null,null,null,null,null,null]]`;
    await redis.hset(store.keys.maintDue, 'V-POSITIONAL', positional, 'V-OBJECT', JSON.stringify({ ...due, vin: 'V-OBJECT' }));
    const [p, o] = await store.due(['V-POSITIONAL', 'V-OBJECT']);
    expect(p).toStrictEqual({ ...due, vin: 'V-POSITIONAL' });
    expect(o).toStrictEqual({ ...due, vin: 'V-OBJECT' });
  });

  it('reads a reminder stored as its record, as its live event (previous version) and as itself (earlier ones)', async () => {
    const reminder: Reminder = {
      id: 'LFWADRJF0L0000009:engine-oil:svc-1:overdue', vin: 'LFWADRJF0L0000009', customerId: '客户 "C9"', itemId: 'engine-oil', cycle: 'svc-1',
      level: 'overdue', raisedAt: 1_795_798_800_000, due: { dueKm: 123_456.789, predictedMs: 1_795_812_345_678.25, basis: 'km', remainingKm: -0.1 + 0.2 },
      text: { zh: '皖A00009：机油及机油滤清器已超期（应于 123,457 km / 2026-11-28 保养），请尽快预约。', en: '皖A00009: Engine oil and filter is overdue (due at 123,457 km / 2026-11-28); please book a service now.' },
      state: 'open',
    };
    const record = reminderRecordJson({
      raisedAt: reminder.raisedAt, customerId: reminder.customerId, vin: reminder.vin, plate: '皖A00009', itemId: reminder.itemId, cycle: reminder.cycle,
      level: reminder.level, itemName: { zh: '机油及机油滤清器', en: 'Engine oil and filter' }, due: reminder.due,
    });
    const event = JSON.stringify({ type: 'maintenance.reminder', at: new Date(reminder.raisedAt).toISOString(), vin: reminder.vin, customerId: reminder.customerId, data: { reminderId: reminder.id, itemId: reminder.itemId, level: reminder.level, cycle: reminder.cycle, text: reminder.text, due: reminder.due } });
    const snoozed = { ...reminder, state: 'snoozed', snoozedUntil: reminder.raisedAt + 86_400_000, reason: '下周进站', by: 'u1' };
    await redis.hset(store.keys.maintReminders, 'R-RECORD', record, 'R-EVENT', event, 'R-ITSELF', JSON.stringify(snoozed));
    expect(await store.reminder('R-RECORD')).toStrictEqual(reminder);
    expect(await store.reminder('R-EVENT')).toStrictEqual(reminder);
    expect(await store.reminder('R-ITSELF')).toStrictEqual(snoozed);
    expect(await store.reminder('R-NONE')).toBeUndefined();
  });
});
