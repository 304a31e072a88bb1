// "Warranty expired" is raised only within WARRANTY_EXPIRED_REMIND_DAYS (default 30) after the warranty ended: a
// fleet new to the product whose trucks' cover ended years ago is not told so for each of them. The due item itself
// still says `overdue` (the truck page shows the warranty as expired). Pure rules, no services.
import { describe, expect, it } from 'vitest';
import { cstDate, cstDateStart, DAY_MS, reminderLevelOf } from '../../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../../core/maintenance-plan.ts';
import type { Vehicle } from '../../core/registry.ts';
import { readMaintenanceConfig } from '../../infra/maintenance-config.ts';
import { vehicleDue } from '../../maintenance/due-scan.ts';

const NOW = cstDateStart('2026-11-28') + 3600_000;
const rules = readMaintenanceConfig({}).rules;
const plan = DEFAULT_MAINTENANCE_PLANS[0]!;
/** A truck whose third in-service anniversary (the end of the default 3-year cover) was `daysAgo` days before NOW. */
const truck = (daysAgo: number): Vehicle => ({
  vin: 'LFWADRJF0L0000001', customerId: 'C1', model: plan.model, active: true,
  inServiceDate: cstDate(Date.UTC(2023, 10, 28 - daysAgo, 12)),
});
const usage = { atMs: cstDateStart('2026-11-28'), odometerKm: 400_000, engineHours: 6_000, kmPerDay: 500, hoursPerDay: 8 };
const warrantyOf = (v: Vehicle, u: typeof usage = usage) => vehicleDue(v, plan, undefined, u, NOW, rules).items.find((i) => i.itemId === 'warranty')!;

describe('the "warranty expired" reminder window', () => {
  it('defaults to 30 days after the end of cover', () => {
    expect(rules.warranty.expiredDays).toBe(30);
    for (const [daysAgo, level] of [[-29, 'due_soon'], [0, 'overdue'], [10, 'overdue'], [29, 'overdue'], [31, undefined], [365, undefined], [1200, undefined]] as const) {
      const d = warrantyOf(truck(daysAgo));
      expect(d.status, `ended ${daysAgo} days ago`).toBe(daysAgo < 0 ? 'due_soon' : 'overdue');
      expect(reminderLevelOf(d, NOW, rules.warranty), `ended ${daysAgo} days ago`).toBe(level);
    }
  });

  it('counts from the reading that showed the distance limit passed when the calendar limit is still ahead', () => {
    const young = truck(-400);
    const pastKm = { ...usage, odometerKm: 1_000_200 };
    expect(reminderLevelOf(warrantyOf(young, pastKm), NOW, rules.warranty)).toBe('overdue');
    // A reading 40 days old that already showed the limit passed: ended at least that long ago.
    expect(reminderLevelOf(warrantyOf(young, { ...pastKm, atMs: NOW - 40 * DAY_MS, kmPerDay: 0, hoursPerDay: 0 }), NOW, rules.warranty)).toBeUndefined();
  });

  it('is a setting, and leaves the maintenance items alone', () => {
    const longer = readMaintenanceConfig({ WARRANTY_EXPIRED_REMIND_DAYS: '3650' }).rules.warranty;
    expect(reminderLevelOf(warrantyOf(truck(1200)), NOW, longer)).toBe('overdue');
    expect(() => readMaintenanceConfig({ WARRANTY_EXPIRED_REMIND_DAYS: '-1' })).toThrow(/WARRANTY_EXPIRED_REMIND_DAYS/);
    expect(() => readMaintenanceConfig({ WARRANTY_EXPIRED_REMIND_DAYS: 'soon' })).toThrow(/WARRANTY_EXPIRED_REMIND_DAYS/);
    // An item overdue for years is still reminded: only the warranty has an end after which nothing can be done.
    const oil = vehicleDue(truck(1200), plan, undefined, usage, NOW, rules).items.find((i) => i.itemId === 'engine-oil')!;
    expect(oil.status).toBe('overdue');
    expect(reminderLevelOf(oil, NOW, rules.warranty)).toBe('overdue');
  });
});
