// The API process's configuration, read once in api/main.ts (tests call the same reader with their own env):
// every setting of every service createApiServices builds, with its default, is decided here.
import { deepFreeze, optionalString, requireInt, type Env } from '../infra/config.ts';
import { readRescueConfig, type RescueConfig } from '../infra/rescue-config.ts';
import { readMaintenanceConfig, type MaintenanceConfig } from '../infra/maintenance-config.ts';
import { readRepairConfig, type RepairConfig } from '../infra/repair-config.ts';
import { readAccountsConfig, type AccountsConfig } from '../infra/accounts-config.ts';

export interface ApiConfig {
  readonly port: number;
  readonly host: string;
  /** Requests per caller per window (token subject, or client IP when there is no token). */
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
  /** Launch window, escalation, road circuity (the ETA model every answer uses), repair window. */
  readonly rescue: RescueConfig;
  /** Parts couriers, follow-up calls, complaints. */
  readonly repair: RepairConfig;
  /** Seconds a computed coverage answer stays cached. */
  readonly coverageCacheTtlS: number;
  /** Interval of the telemetry roll-ups coverage reads (0 = never; an operator runs them). */
  readonly coverageRollupEveryS: number;
  /** Full reload period of the fleet's in-process live table (fleet/live-table.ts); the event stream keeps it current between. */
  readonly fleetLiveResyncS: number;
  /** Timeout of one webhook delivery (the API lists dead letters; the dispatcher delivers). */
  readonly webhookTimeoutMs: number;
  /** How long GET /health waits for Redis or InfluxDB to answer before reporting it down. */
  readonly healthProbeTimeoutMs: number;
  /** Due-soon thresholds, warranty terms, service day, default service bays (docs/maintenance.md). */
  readonly maintenance: MaintenanceConfig;
  /** Sessions, the sign-in limiter, single sign-on and the audit trail's retention (infra/accounts-config.ts). */
  readonly accounts: AccountsConfig;
}

export function readApiConfig(env: Env): ApiConfig {
  return deepFreeze({
    port: requireInt(env, 'API_PORT', { fallback: 3000, min: 0, max: 65535 }),
    host: optionalString(env, 'API_HOST') ?? '0.0.0.0',
    rateLimitMax: requireInt(env, 'API_RATE_LIMIT_MAX', { fallback: 600, min: 1 }),
    rateLimitWindowMs: requireInt(env, 'API_RATE_LIMIT_WINDOW_MS', { fallback: 60_000, min: 1000 }),
    rescue: readRescueConfig(env),
    repair: readRepairConfig(env),
    coverageCacheTtlS: requireInt(env, 'COVERAGE_CACHE_TTL_S', { fallback: 3600, min: 1, max: 7 * 86_400 }),
    coverageRollupEveryS: requireInt(env, 'COVERAGE_ROLLUP_EVERY_S', { fallback: 300, min: 0, max: 86_400 }),
    fleetLiveResyncS: requireInt(env, 'FLEET_LIVE_RESYNC_S', { fallback: 60, min: 1, max: 86_400 }),
    webhookTimeoutMs: requireInt(env, 'WEBHOOK_TIMEOUT_MS', { fallback: 5000, min: 100, max: 60_000 }),
    healthProbeTimeoutMs: requireInt(env, 'HEALTH_PROBE_TIMEOUT_MS', { fallback: 2000, min: 100, max: 60_000 }),
    maintenance: readMaintenanceConfig(env),
    accounts: readAccountsConfig(env),
  });
}
