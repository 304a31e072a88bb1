import { deepFreeze, readCommonConfig, readInfluxConfig, requireInt, type CommonConfig, type Env, type InfluxConfig } from '../infra/config.ts';
import { readMaintenanceConfig, type MaintenanceConfig } from '../infra/maintenance-config.ts';
import { readRescueConfig, type RescueConfig } from '../infra/rescue-config.ts';

/**
 * V8 flags the scheduler process is started with (npm run scheduler, npm start, npm run demo, docker-compose.yml, and
 * the maintenance bench, which runs the scan in its own process): a first scan of a new fleet makes ~170,000 reminders'
 * worth of short-lived strings, and a 64 MB semi-space (16 MB by default) lets most of them die young instead of being
 * copied and promoted (docs/maintenance.md, "The scan").
 */
export const SCHEDULER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

export interface SchedulerConfig {
  readonly common: CommonConfig;
  readonly influx: InfluxConfig;
  readonly maintenance: MaintenanceConfig;
  /** The case store's settings (the scheduler reads repaired cases for the service history). */
  readonly rescue: RescueConfig;
  /** Interval of the incremental due scan; a full scan runs at start and once per China calendar day. */
  readonly scanEveryS: number;
  /** A day is rolled up into `usage_1d` this long after it ends (00:00 CST). */
  readonly rollupLagS: number;
  /** Days redone before the roll-up watermark on each run (late uploads). */
  readonly rollupRedoDays: number;
  /** Days a first roll-up goes back. */
  readonly rollupBackfillDays: number;
}

export function readSchedulerConfig(env: Env): SchedulerConfig {
  return deepFreeze({
    common: readCommonConfig(env),
    influx: readInfluxConfig(env),
    maintenance: readMaintenanceConfig(env),
    rescue: readRescueConfig(env),
    scanEveryS: requireInt(env, 'MAINTENANCE_SCAN_EVERY_S', { fallback: 300, min: 1, max: 86_400 }),
    rollupLagS: requireInt(env, 'MAINTENANCE_ROLLUP_LAG_S', { fallback: 1800, min: 0, max: 86_400 }),
    rollupRedoDays: requireInt(env, 'MAINTENANCE_ROLLUP_REDO_DAYS', { fallback: 1, min: 0, max: 30 }),
    rollupBackfillDays: requireInt(env, 'MAINTENANCE_ROLLUP_BACKFILL_DAYS', { fallback: 31, min: 1, max: 400 }),
  });
}
