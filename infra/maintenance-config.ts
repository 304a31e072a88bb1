// Maintenance and warranty settings, read once by the processes that compute due dates or book services
// (the maintenance scheduler and the API).
import { deepFreeze, requireInt, requireNumber, type Env } from './config.ts';
import type { DueRules } from '../core/maintenance-due.ts';

export interface MaintenanceConfig {
  /** Due soon when any is reached first: days to the predicted date, km, engine hours; warranty reminder lead. */
  readonly rules: DueRules;
  /** Day of month of the network's service day (the 7th in current practice). */
  readonly serviceDayOfMonth: number;
  /** A service-day offer is shown with reminders whose predicted date is within this many days of it. */
  readonly serviceDayNearDays: number;
  /** Bays a station without `serviceBays` in its record is assumed to have. */
  readonly defaultServiceBays: number;
}

export function readMaintenanceConfig(env: Env): MaintenanceConfig {
  return deepFreeze({
    rules: {
      thresholds: {
        days: requireNumber(env, 'MAINTENANCE_DUE_SOON_DAYS', { fallback: 14, min: 0, max: 365 }),
        km: requireNumber(env, 'MAINTENANCE_DUE_SOON_KM', { fallback: 2000, min: 0, max: 200_000 }),
        hours: requireNumber(env, 'MAINTENANCE_DUE_SOON_HOURS', { fallback: 50, min: 0, max: 10_000 }),
      },
      // The warranty limits are the repair loop's per-model policies (PUT /v1/warranty-policies/{model}, default
      // core/warranty.ts); only how early to remind is a setting.
      warranty: {
        remindDays: requireNumber(env, 'WARRANTY_REMIND_DAYS', { fallback: 30, min: 0, max: 365 }),
        remindKm: requireNumber(env, 'WARRANTY_REMIND_KM', { fallback: 20_000, min: 0, max: 1_000_000 }),
        expiredDays: requireNumber(env, 'WARRANTY_EXPIRED_REMIND_DAYS', { fallback: 30, min: 0, max: 3650 }),
      },
    },
    serviceDayOfMonth: requireInt(env, 'SERVICE_DAY_OF_MONTH', { fallback: 7, min: 1, max: 28 }),
    serviceDayNearDays: requireInt(env, 'SERVICE_DAY_NEAR_DAYS', { fallback: 7, min: 0, max: 31 }),
    defaultServiceBays: requireInt(env, 'DEFAULT_SERVICE_BAYS', { fallback: 2, min: 1, max: 100 }),
  });
}
