// Composition root of the maintenance scheduler: keeps the daily usage roll-up current and runs the due scan
// (a full scan at start and when the China calendar day changes, an incremental one every interval), which
// raises maintenance and warranty reminders. Several schedulers may run at once, and one may be killed at
// any point: the roll-up takes a lock and every reminder is claimed atomically, so each is raised once. Also records
// the service a repaired rescue case did (a consumer group on the live stream; one record per case).
import { cstDayStart } from '../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../core/maintenance-plan.ts';
import { createCaseStore } from '../infra/case-store.ts';
import { createLogger } from '../infra/logger.ts';
import { createMaintenanceStore } from '../infra/maintenance-store.ts';
import { createRedis, ensureRedisDurability } from '../infra/redis.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createRepairSettingsStore } from '../infra/repair-settings-store.ts';
import { runMain } from '../infra/run-main.ts';
import { createShutdown } from '../infra/shutdown.ts';
import { createTelemetryStore } from '../infra/telemetry-store.ts';
import { createCaseServiceRecorder, createRepairedCaseRelay } from '../maintenance/case-services.ts';
import { createDueScanner } from '../maintenance/due-scan.ts';
import { createUsageRollup } from '../maintenance/usage-rollup.ts';
import { readSchedulerConfig } from './config.ts';

runMain('scheduler', async () => {
  const config = readSchedulerConfig(process.env);
  const logger = createLogger({ level: config.common.logLevel, name: 'scheduler' });
  const shutdown = createShutdown(logger);
  shutdown.installSignalHandlers();

  const redis = createRedis(config.common, 'worker');
  shutdown.register('redis', () => redis.quit());
  await ensureRedisDurability(redis);
  const prefix = config.common.redisPrefix;
  const telemetry = createTelemetryStore(config.influx, { timeoutMs: 120_000 });
  const store = createMaintenanceStore({ redis, prefix });
  await store.seedPlans(DEFAULT_MAINTENANCE_PLANS);
  // Once per deployment (a flag after): cycle starts stored at 0 h by services recorded without engine hours before
  // that stopped counting as 0 h are rebuilt, and their vehicles go on the next scan's work list (docs/maintenance.md).
  const repaired = await store.repairHourlessCycleStarts();
  if (repaired > 0) logger.info({ repaired }, 'cycle starts stored at 0 h rebuilt from the service records');
  const registry = createRegistryStore({ redis, prefix });
  const scanner = createDueScanner({
    store,
    registry,
    usage: createUsageRollup({ telemetry, redis, prefix }, {
      lagMs: config.rollupLagS * 1000, redoDays: config.rollupRedoDays, backfillDays: config.rollupBackfillDays,
    }),
    warranty: createRepairSettingsStore({ redis, prefix }),
    rules: config.maintenance.rules,
  });

  const relayRedis = createRedis(config.common, 'worker');
  const rescue = config.rescue;
  const caseServices = createRepairedCaseRelay({
    redis: relayRedis, prefix, consumer: `scheduler-${process.pid}`, logger,
    recorder: createCaseServiceRecorder({
      cases: createCaseStore({ redis, prefix, clocks: { launchWindowS: rescue.launchWindowS, escalateBeforeS: rescue.escalateBeforeS, repairWindowS: rescue.repairWindowS } }),
      store, registry, now: () => Date.now(),
    }),
  });
  await caseServices.start();
  shutdown.register('repaired-case services', async () => {
    await caseServices.stop();
    relayRedis.disconnect();
  });

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const scan = async () => {
    const now = Date.now();
    const day = cstDayStart(now);
    const lastFull = Number((await redis.get(store.keys.maintFullScanDay)) ?? 0);
    const mode = lastFull < day ? 'full' : 'incremental';
    const stats = await scanner.run(now, mode);
    if (mode === 'full') await redis.set(store.keys.maintFullScanDay, String(day));
    logger.info(stats, 'due scan done');
  };
  const loop = () => {
    if (stopped) return;
    running = scan()
      .catch((err) => logger.error({ err }, 'due scan failed; next interval retries'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, config.scanEveryS * 1000);
      });
  };
  shutdown.register('scans', async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  });
  logger.info({ scanEveryS: config.scanEveryS }, 'maintenance scheduler started');
  loop();
});
