// Shared set-up of dispatcher tests: a seeded registry, an in-process dispatcher built exactly like the
// process (startDispatcher), and the queues and stores a test drives it through.
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { redisKeys } from '../../core/keys.ts';
import { JOB_OPTIONS, QUEUES, RESCUE_QUEUES, type FaultEvent, type RescueJob } from '../../core/queues.ts';
import type { Customer, Station, Vehicle } from '../../core/registry.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createCaseStore } from '../../infra/case-store.ts';
import { createRescueCommands } from '../../rescue/commands.ts';
import { readRescueConfig } from '../../infra/rescue-config.ts';
import { readDispatcherConfig } from '../../dispatcher/config.ts';
import { createEtaModel } from '../../core/eta.ts';
import { readRepairConfig } from '../../infra/repair-config.ts';
import { createRepairServices, type RepairServices } from '../../repair/repair-services.ts';
import { startDispatcher, type RunningDispatcher } from '../../dispatcher/dispatcher.ts';
import type { TestServices } from '../harness/context.ts';

export interface DispatchRig {
  redis: Redis;
  keys: ReturnType<typeof redisKeys>;
  registry: ReturnType<typeof createRegistryStore>;
  store: ReturnType<typeof createCaseStore>;
  commands: ReturnType<typeof createRescueCommands>;
  /** Parts, warranty and calendar services built as the processes build them. */
  repair: RepairServices;
  faultQueue: Queue<FaultEvent>;
  rescueJobs: Queue<RescueJob>;
  dispatchers: RunningDispatcher[];
  startDispatcher(): Promise<RunningDispatcher>;
  close(): Promise<void>;
}

export async function createRig(
  services: TestServices,
  env: Record<string, string>,
  seed: { stations: Station[]; customers: Customer[]; vehicles: Vehicle[] },
): Promise<DispatchRig> {
  const fullEnv = services.env(env);
  const rescue = readRescueConfig(fullEnv);
  const redis = createRedis(services, 'fail-fast');
  const keys = redisKeys(services.redisPrefix);
  const registry = createRegistryStore({ redis, prefix: services.redisPrefix });
  await registry.putMany('station', seed.stations);
  await registry.putMany('customer', seed.customers);
  await registry.putMany('vehicle', seed.vehicles);
  const store = createCaseStore({
    redis, prefix: services.redisPrefix,
    clocks: { launchWindowS: rescue.launchWindowS, escalateBeforeS: rescue.escalateBeforeS, repairWindowS: rescue.repairWindowS },
  });
  const connection = createRedis(services, 'worker');
  const faultQueue = new Queue<FaultEvent>(QUEUES.faultEvents, { connection, prefix: keys.bullPrefix });
  const rescueJobs = new Queue<RescueJob>(RESCUE_QUEUES.rescueJobs, { connection, prefix: keys.bullPrefix });
  const repairConfig = readRepairConfig(fullEnv);
  const repair = createRepairServices({ redis, prefix: services.redisPrefix, registry, cases: store, etaModel: createEtaModel({ circuity: rescue.roadCircuity }), config: repairConfig });
  const commands = createRescueCommands({
    store, registry, redis, prefix: services.redisPrefix, jobs: rescueJobs,
    caseParts: repair.caseParts, warranty: repair.warranty, followUpDelayS: repairConfig.followUpDelayS,
  });
  const dispatchers: RunningDispatcher[] = [];
  const logger = pino({ level: 'error' });
  return {
    redis, keys, registry, store, commands, repair, faultQueue, rescueJobs, dispatchers,
    async startDispatcher() {
      const d = await startDispatcher(readDispatcherConfig(fullEnv), logger);
      dispatchers.push(d);
      return d;
    },
    async close() {
      await Promise.all(dispatchers.map((d) => d.stop()));
      await faultQueue.close();
      await rescueJobs.close();
      connection.disconnect();
      redis.disconnect();
    },
  };
}

/** Adds a fault event the way the ingester's outbox relay does (the queue's job options, the event id as job id). */
export async function addFaultEvent(queue: Queue<FaultEvent>, event: FaultEvent): Promise<void> {
  await queue.add('fault', event, { ...JOB_OPTIONS[QUEUES.faultEvents], jobId: event.id });
}
