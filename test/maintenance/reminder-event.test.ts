// A reminder is stored and announced as its record (core/maintenance-reminder.ts), written directly by the scan
// (maintenance/due-scan.ts `reminderClaimFor`, the vehicle's strings escaped once); readers of the live stream turn
// an announcement back into each reminder's `maintenance.reminder` event (core/events.ts `liveEventsOfEntry`). What a
// webhook receiver or the console gets per reminder must be exactly what it got when each reminder had its own
// stream entry: checked against that event's layout, for every kind of text and for strings that need escaping, and
// against two payloads the previous version produced, byte for byte.
import { describe, expect, it } from 'vitest';
import { LIVE_EVENT_FIELD, liveEventsOfEntry, REMINDERS_RAISED } from '../../core/events.ts';
import type { DueItem } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS, type MaintenancePlan } from '../../core/maintenance-plan.ts';
import { reminderId, reminderOfStored, reminderRecordJson, reminderText, WARRANTY_NAME } from '../../core/maintenance-reminder.ts';
import type { Vehicle } from '../../core/registry.ts';
import { reminderClaimFor } from '../../maintenance/due-scan.ts';

const base = DEFAULT_MAINTENANCE_PLANS[0]!;
const plan: MaintenancePlan = {
  ...base,
  items: [...base.items, { ...base.items[0]!, id: 'odd-item', name: { zh: '机油"滤清器\\', en: 'Oil "filter"\\ \u2028' } }],
};
const NOW = Date.UTC(2026, 10, 28, 17);
const vehicles: Vehicle[] = [
  { vin: 'LFWADRJF0L0000001', customerId: 'C1', plate: '皖A80000', model: base.model, inServiceDate: '2024-01-15', active: true },
  { vin: 'LFWADRJF0L0000002', customerId: 'C "2"', plate: 'A"\\B\n', model: base.model, active: true },
  { vin: 'LFWADRJF0L0000003', customerId: 'C3', model: base.model, active: true },
];
const figures: Array<Omit<DueItem, 'itemId' | 'cycle' | 'status'>> = [
  { dueKm: 320_000, dueHours: 5_333.3, dueDateMs: NOW + 86400_000 * 40, predictedMs: NOW + 86400_000 * 9.5, basis: 'km', remainingKm: 1_234.5678, remainingHours: 20.25 },
  { dueDateMs: NOW - 86400_000 * 3, predictedMs: NOW - 86400_000 * 3, basis: 'months' },
  { dueKm: 1_000_000, remainingKm: -12.5 },
  { remainingKm: -0.1 + 0.2, remainingHours: 1 / 3 },
  {},
];

/** The event as the previous version wrote it for each reminder (its own stream entry), field by field. */
function eventAsBefore(v: Vehicle, d: DueItem, level: 'due_soon' | 'overdue'): string {
  const name = d.itemId === 'warranty' ? WARRANTY_NAME : plan.items.find((i) => i.id === d.itemId)!.name;
  const due: Record<string, unknown> = {};
  for (const k of ['dueKm', 'dueHours', 'dueDateMs', 'predictedMs', 'basis', 'remainingKm', 'remainingHours'] as const) if (d[k] !== undefined) due[k] = d[k];
  const q = JSON.stringify;
  return `{"type":"maintenance.reminder","at":"${new Date(NOW).toISOString()}","vin":${q(v.vin)},"customerId":${q(v.customerId)},"data":{"reminderId":${q(reminderId(v.vin, d.itemId, d.cycle, level))},` +
    `"itemId":${q(d.itemId)},"level":"${level}","cycle":${q(d.cycle)},"text":${q(reminderText(v.plate ?? v.vin, name, level, due))},"due":${q(due)}}}`;
}

/** A stream entry announcing `records`, as the claim script writes it. */
const announcement = (records: readonly string[]) =>
  [LIVE_EVENT_FIELD, `{"type":"${REMINDERS_RAISED}","at":"${new Date(NOW).toISOString()}","data":{"reminders":[${records.join(',')}]}}`];

describe('a reminder\'s record and its announcement', () => {
  it('the scan writes the record reminderRecordJson gives, and readers turn it into the same event as before', () => {
    const records: string[] = [];
    const expected: string[] = [];
    for (const v of vehicles) {
      for (const itemId of ['engine-oil', 'odd-item', 'warranty']) {
        for (const f of figures) {
          for (const level of ['due_soon', 'overdue'] as const) {
            const d: DueItem = { itemId, cycle: itemId === 'warranty' ? 'warranty' : 'svc-"1"', status: level, ...f };
            const claim = reminderClaimFor(v, plan, d, level, NOW)!;
            const { itemId: _i, cycle: _c, status: _s, ...due } = d;
            const itemName = itemId === 'warranty' ? WARRANTY_NAME : plan.items.find((i) => i.id === itemId)!.name;
            expect(claim.record).toBe(reminderRecordJson({ raisedAt: NOW, customerId: v.customerId, vin: v.vin, plate: v.plate ?? v.vin, itemId, cycle: d.cycle, level, itemName, due }));
            expect(claim).toMatchObject({ id: reminderId(v.vin, itemId, d.cycle, level), customerId: v.customerId, raisedAt: NOW });
            // Read back from the hash: the reminder with its text built now.
            expect(reminderOfStored(JSON.parse(claim.record))).toStrictEqual({
              id: claim.id, vin: v.vin, customerId: v.customerId, itemId, cycle: d.cycle, level, raisedAt: NOW,
              due: JSON.parse(eventAsBefore(v, d, level)).data.due, text: JSON.parse(eventAsBefore(v, d, level)).data.text, state: 'open',
            });
            records.push(claim.record);
            expected.push(eventAsBefore(v, d, level));
          }
        }
      }
    }
    expect(records).toHaveLength(90);
    // One entry announces them all; each comes out as its own event with its own id below the entry's.
    const events = liveEventsOfEntry('1795798800000-95', announcement(records));
    expect(events.map((e) => JSON.stringify(e.event))).toEqual(expected);
    expect(events.map((e) => e.id)).toEqual(records.map((_, k) => `1795798800000-${6 + k}`));
    expect(events.at(-1)!.id).toBe('1795798800000-95');
    expect(reminderClaimFor(vehicles[0]!, plan, { itemId: 'not-in-plan', cycle: 'initial', status: 'overdue' }, 'overdue', NOW)).toBeUndefined();
  });

  it('gives byte for byte the payloads the previous version sent', () => {
    const v = { ...vehicles[1]!, customerId: 'C "2"' };
    const oil: DueItem = { itemId: 'engine-oil', cycle: 'svc-"1"', status: 'due_soon', ...figures[0]! };
    const warranty: DueItem = { itemId: 'warranty', cycle: 'warranty', status: 'overdue', dueKm: 1_000_000, dueDateMs: NOW - 86400_000 * 3, predictedMs: NOW - 86400_000 * 3, basis: 'months', remainingKm: 400_000.5 };
    const records = [reminderClaimFor(v, plan, oil, 'due_soon', NOW)!.record, reminderClaimFor({ ...v, customerId: 'C1', plate: '皖A80000' }, plan, warranty, 'overdue', NOW)!.record];
    const [a, b] = liveEventsOfEntry('1795798800000-1', announcement(records)).map((e) => JSON.stringify(e.event));
    expect(a).toBe('{"type":"maintenance.reminder","at":"2026-11-28T17:00:00.000Z","vin":"LFWADRJF0L0000002","customerId":"C \\"2\\"","data":{"reminderId":"LFWADRJF0L0000002:engine-oil:svc-\\"1\\":due_soon","itemId":"engine-oil","level":"due_soon","cycle":"svc-\\"1\\"","text":{"zh":"A\\"\\\\B\\n：机油及机油滤清器即将到期（预计 320,000 km / 2026-12-08），请预约保养。","en":"A\\"\\\\B\\n: Engine oil and filter is due soon (expected 320,000 km / 2026-12-08); please book a service."},"due":{"dueKm":320000,"dueHours":5333.3,"dueDateMs":1799341200000,"predictedMs":1796706000000,"basis":"km","remainingKm":1234.5678,"remainingHours":20.25}}}');
    expect(b).toBe('{"type":"maintenance.reminder","at":"2026-11-28T17:00:00.000Z","vin":"LFWADRJF0L0000002","customerId":"C1","data":{"reminderId":"LFWADRJF0L0000002:warranty:warranty:overdue","itemId":"warranty","level":"overdue","cycle":"warranty","text":{"zh":"皖A80000：整车质保已到期（2026-11-26）。","en":"皖A80000: the vehicle warranty has expired (2026-11-26)."},"due":{"dueKm":1000000,"dueDateMs":1795626000000,"predictedMs":1795626000000,"basis":"months","remainingKm":400000.5}}}');
  });

  it('an entry of one event stays that event with the entry\'s id; an unreadable entry gives nothing', () => {
    const rescue = '{"type":"rescue.opened","at":"2026-11-28T17:00:00.000Z","customerId":"C1","caseId":"K1","data":{}}';
    expect(liveEventsOfEntry('5-0', [LIVE_EVENT_FIELD, rescue])).toEqual([{ id: '5-0', event: JSON.parse(rescue), json: rescue }]);
    expect(liveEventsOfEntry('5-1', [LIVE_EVENT_FIELD, '{not json'])).toEqual([]);
    expect(liveEventsOfEntry('5-2', ['other', rescue])).toEqual([]);
  });
});
