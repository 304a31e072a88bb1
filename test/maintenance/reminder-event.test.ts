// The scan writes a reminder's live event JSON directly (maintenance/due-scan.ts `reminderEventFor`, with the
// vehicle's strings escaped once); it must be the very string `reminderEventJson(reminderFor(…))` gives — the form the
// API, webhooks and the console read — for every kind of text, and for strings that need escaping.
import { describe, expect, it } from 'vitest';
import type { DueItem } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS, type MaintenancePlan } from '../../core/maintenance-plan.ts';
import type { Vehicle } from '../../core/registry.ts';
import { reminderEventJson } from '../../infra/maintenance-store.ts';
import { reminderEventFor, reminderFor } from '../../maintenance/due-scan.ts';

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
  {},
];

describe('a reminder\'s event JSON written directly', () => {
  it('is the string reminderEventJson(reminderFor(…)) gives', () => {
    let n = 0;
    for (const v of vehicles) {
      for (const itemId of ['engine-oil', 'odd-item', 'warranty']) {
        for (const f of figures) {
          for (const level of ['due_soon', 'overdue'] as const) {
            const d: DueItem = { itemId, cycle: itemId === 'warranty' ? 'warranty' : 'svc-"1"', status: level, ...f };
            const fast = reminderEventFor(v, plan, d, level, NOW)!;
            const slow = reminderFor(v, plan, d, level, NOW)!;
            expect(fast.json).toBe(reminderEventJson(slow));
            expect(fast).toMatchObject({ id: slow.id, customerId: slow.customerId, raisedAt: slow.raisedAt });
            expect(JSON.parse(fast.json).data.text).toStrictEqual(slow.text);
            n++;
          }
        }
      }
    }
    expect(n).toBe(72);
    expect(reminderEventFor(vehicles[0]!, plan, { itemId: 'not-in-plan', cycle: 'initial', status: 'overdue' }, 'overdue', NOW)).toBeUndefined();
  });
});
