// Builds and starts one dispatcher instance from its config: the workers of the fault-event, rescue-job
// and webhook queues, the periodic sweep and the webhook relay. main.ts runs it as a process; tests run
// the very same thing in-process against the harness's Redis.
import { hostname } from 'node:os';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { DomainError } from '../core/errors.ts';
import { redisKeys } from '../core/keys.ts';
import { JOB_OPTIONS, QUEUES, RESCUE_QUEUES, type RescueJob, type WebhookDelivery } from '../core/queues.ts';
import { createEtaModel } from '../core/eta.ts';
import type { Logger } from '../infra/logger.ts';
import { createRedis } from '../infra/redis.ts';
import { createRegistryCache } from '../infra/registry-cache.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createCaseStore } from '../infra/case-store.ts';
import { createWebhookDeliverer } from '../infra/webhooks.ts';
import type { DispatcherConfig } from './config.ts';
import { createRepairServices } from '../repair/repair-services.ts';
import { createComplaintStore } from '../infra/complaint-store.ts';
import { createNetworkView } from './network-view.ts';
import { createRescueProcessor, type RescueProcessorDeps } from './rescue-processor.ts';
import { createWebhookRelay } from './webhook-relay.ts';

/**
 * The retry policy of every dispatcher queue in one place: a non-retryable domain error (an invalid payload is a
 * ValidationError) fails the job for good — BullMQ's UnrecoverableError, no further attempt; anything else
 * (Redis, a webhook receiver, contention) is thrown on and retried with the queue's backoff (core JOB_OPTIONS).
 */
export function withRetryPolicy<R>(handle: (job: Job) => Promise<R>): (job: Job) => Promise<R> {
  return async (job) => {
    try {
      return await handle(job);
    } catch (err) {
      if (err instanceof DomainError && !err.retryable) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}

/**
 * How often a job may be found stalled (its lock expired while active) before BullMQ fails it for good. BullMQ's
 * default, 1, is for processors that crash their worker; ours are idempotent (deterministic job ids, versioned case
 * commits), and a Redis failover makes jobs look stalled without any fault of theirs: the lock written by the old
 * master is gone on the promoted replica. At 1, a breakdown whose job stalled twice through a failover was failed
 * with "job stalled more than allowable limit" and never got a case (the failover test).
 */
const MAX_STALLED_COUNT = 10;
/** The sweep is rescheduled when its next run is this many intervals late. */
const SWEEP_OVERDUE_INTERVALS = 5;

export interface RunningDispatcher {
  processor: ReturnType<typeof createRescueProcessor>;
  /** Closes workers, queues and connections (in-flight jobs finish first). */
  stop(): Promise<void>;
}

export async function startDispatcher(
  config: DispatcherConfig,
  logger: Logger,
  hooks: Pick<RescueProcessorDeps, 'onDecision'> = {},
): Promise<RunningDispatcher> {
  const { redisPrefix } = config.common;
  const keys = redisKeys(redisPrefix);
  const closers: Array<() => Promise<unknown>> = [];
  // The queues' and workers' connection (workers duplicate it for their blocking reads); closed last.
  const connection = createRedis(config.common, 'worker');
  closers.push(() => connection.quit());

  const redis = createRedis(config.common, 'worker');
  closers.push(() => redis.quit());
  const registry = createRegistryStore({ redis, prefix: redisPrefix });
  const etaModel = createEtaModel({ circuity: config.rescue.roadCircuity });
  const store = createCaseStore({
    redis,
    prefix: redisPrefix,
    clocks: { launchWindowS: config.rescue.launchWindowS, escalateBeforeS: config.rescue.escalateBeforeS, repairWindowS: config.rescue.repairWindowS },
  });
  const network = createNetworkView({ cache: createRegistryCache({ redis, keys }), registry, etaModel });
  // Built before the workers take jobs: otherwise the first breakdowns after a start wait for the station
  // registry read and the index build (bench:dispatch saw them as the head of the p99).
  await network.stations();

  const rescueJobs = new Queue<RescueJob>(RESCUE_QUEUES.rescueJobs, { connection, prefix: keys.bullPrefix });
  const webhookQueue = new Queue<WebhookDelivery>(RESCUE_QUEUES.webhooks, { connection, prefix: keys.bullPrefix });
  closers.push(() => rescueJobs.close(), () => webhookQueue.close());

  const repair = createRepairServices({ redis, prefix: redisPrefix, registry, cases: store, etaModel, config: config.repair });
  const processor = createRescueProcessor({
    store, network, registry, redis, prefix: redisPrefix, jobs: rescueJobs, config: config.rescue, etaModel, logger, ...hooks,
    repair, repairConfig: config.repair, complaints: createComplaintStore({ redis, prefix: redisPrefix }),
  });
  const deliverer = createWebhookDeliverer({ registry, redis, prefix: redisPrefix, timeoutMs: config.webhookTimeoutMs });

  const workerOptions = {
    connection,
    prefix: keys.bullPrefix,
    concurrency: config.concurrency,
    lockDuration: config.jobLockMs,
    stalledInterval: Math.max(500, Math.floor(config.jobLockMs / 2)),
    maxStalledCount: MAX_STALLED_COUNT,
  };
  const workers = [
    new Worker(QUEUES.faultEvents, withRetryPolicy((job) => processor.handleFaultEvent(job.data)), workerOptions),
    new Worker(RESCUE_QUEUES.rescueJobs, withRetryPolicy((job) => processor.handleJob(job)), workerOptions),
    new Worker(RESCUE_QUEUES.webhooks, withRetryPolicy((job) => deliverer.deliver(job)), workerOptions),
  ];
  for (const worker of workers) {
    worker.on('failed', (job, err) => logger.warn({ queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed'));
    worker.on('error', (err) => logger.error({ queue: worker.name, err }, 'worker error'));
    closers.push(() => worker.close());
  }

  const sweepEveryMs = config.sweepIntervalS * 1000;
  const scheduleSweep = () => rescueJobs.upsertJobScheduler('sweep', { every: sweepEveryMs }, {
    name: 'sweep', data: { kind: 'sweep' }, opts: JOB_OPTIONS[RESCUE_QUEUES.rescueJobs],
  });
  await scheduleSweep();
  // The sweep is what repairs a case whose timer job was lost, so its own schedule must not be lost either: a
  // failover can drop the scheduler's next job with the master that had just written it (BullMQ's writes are not
  // covered by WAIT). Each dispatcher checks that the next sweep is not overdue and schedules it again if it is.
  const sweepWatchdog = setInterval(() => {
    void rescueJobs.getJobScheduler('sweep').then(async (scheduler) => {
      const overdue = !scheduler?.next || Date.now() - scheduler.next > SWEEP_OVERDUE_INTERVALS * sweepEveryMs + config.jobLockMs;
      if (!overdue) return;
      logger.warn({ next: scheduler?.next }, 'sweep schedule lost or overdue: scheduling it again');
      await scheduleSweep();
    }).catch((err: unknown) => logger.warn({ err }, 'sweep watchdog could not read the schedule'));
  }, SWEEP_OVERDUE_INTERVALS * sweepEveryMs);
  sweepWatchdog.unref();
  closers.push(async () => clearInterval(sweepWatchdog));

  const relay = createWebhookRelay({
    redis: createRedis(config.common, 'worker'),
    prefix: redisPrefix,
    consumer: `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    registry,
    deliveries: webhookQueue,
    logger,
    attempts: config.webhookAttempts,
    backoffMs: config.webhookBackoffMs,
  });
  await relay.start();
  closers.push(() => relay.stop());

  return {
    processor,
    async stop() {
      for (const close of closers.reverse()) {
        try {
          await close();
        } catch (err) {
          logger.warn({ err }, 'error while stopping the dispatcher');
        }
      }
    },
  };
}
