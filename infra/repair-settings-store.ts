// Admin data of the repair half of a case: warranty policies per vehicle model and the working calendar per year.
// Small hashes read when needed (a case opening, a complaint being filed).
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { SEEDED_CALENDAR, type WorkingCalendar, type WorkingCalendarYear } from '../core/working-calendar.ts';
import type { WarrantyPolicy } from '../core/warranty.ts';

export function createRepairSettingsStore(deps: { redis: Pick<Redis, 'hget' | 'hset' | 'hgetall'>; prefix: string }) {
  const keys = redisKeys(deps.prefix);

  async function warrantyPolicy(model: string): Promise<WarrantyPolicy | undefined> {
    const json = await deps.redis.hget(keys.warrantyPolicies, model);
    return json ? (JSON.parse(json) as WarrantyPolicy) : undefined;
  }

  async function warrantyPolicies(): Promise<Record<string, WarrantyPolicy>> {
    const all = await deps.redis.hgetall(keys.warrantyPolicies);
    return Object.fromEntries(Object.entries(all).map(([model, json]) => [model, JSON.parse(json) as WarrantyPolicy]));
  }

  async function putWarrantyPolicy(model: string, policy: WarrantyPolicy): Promise<void> {
    await deps.redis.hset(keys.warrantyPolicies, model, JSON.stringify(policy));
  }

  /** The seeded years, overridden by every year an admin stored. */
  async function calendar(): Promise<WorkingCalendar> {
    const stored = await deps.redis.hgetall(keys.workingCalendar);
    const merged = new Map(SEEDED_CALENDAR);
    for (const [year, json] of Object.entries(stored)) merged.set(Number(year), JSON.parse(json) as WorkingCalendarYear);
    return merged;
  }

  async function putCalendarYear(year: number, data: WorkingCalendarYear): Promise<void> {
    await deps.redis.hset(keys.workingCalendar, String(year), JSON.stringify({ ...data, holidays: [...data.holidays].sort(), workdays: [...data.workdays].sort() }));
  }

  return { warrantyPolicy, warrantyPolicies, putWarrantyPolicy, calendar, putCalendarYear };
}

export type RepairSettingsStore = ReturnType<typeof createRepairSettingsStore>;
