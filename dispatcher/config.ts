import { JOB_OPTIONS, RESCUE_QUEUES } from '../core/queues.ts';
import { deepFreeze, readCommonConfig, requireInt, type CommonConfig, type Env } from '../infra/config.ts';
import { readRescueConfig, type RescueConfig } from '../infra/rescue-config.ts';
import { readRepairConfig, type RepairConfig } from '../infra/repair-config.ts';

export interface DispatcherConfig {
  readonly common: CommonConfig;
  readonly rescue: RescueConfig;
  readonly repair: RepairConfig;
  /** Jobs processed in parallel per queue by this instance. */
  readonly concurrency: number;
  /** BullMQ lock: a job of a killed dispatcher is picked up by another one after about this long. */
  readonly jobLockMs: number;
  /** Interval of the sweep that repairs cases a crash left half-done. */
  readonly sweepIntervalS: number;
  readonly webhookAttempts: number;
  readonly webhookBackoffMs: number;
  readonly webhookTimeoutMs: number;
}

const WEBHOOK_JOBS = JOB_OPTIONS[RESCUE_QUEUES.webhooks];

export function readDispatcherConfig(env: Env): DispatcherConfig {
  return deepFreeze({
    common: readCommonConfig(env),
    rescue: readRescueConfig(env),
    repair: readRepairConfig(env),
    concurrency: requireInt(env, 'DISPATCHER_CONCURRENCY', { fallback: 16, min: 1, max: 256 }),
    jobLockMs: requireInt(env, 'DISPATCHER_JOB_LOCK_MS', { fallback: 30_000, min: 1000, max: 600_000 }),
    sweepIntervalS: requireInt(env, 'DISPATCHER_SWEEP_INTERVAL_S', { fallback: 30, min: 1, max: 3600 }),
    webhookAttempts: requireInt(env, 'WEBHOOK_ATTEMPTS', { fallback: WEBHOOK_JOBS.attempts, min: 1, max: 50 }),
    webhookBackoffMs: requireInt(env, 'WEBHOOK_BACKOFF_MS', { fallback: WEBHOOK_JOBS.backoff.delay, min: 10, max: 600_000 }),
    webhookTimeoutMs: requireInt(env, 'WEBHOOK_TIMEOUT_MS', { fallback: 5000, min: 100, max: 60_000 }),
  });
}
