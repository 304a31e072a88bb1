// Moves fault events from the outbox stream (written atomically with the live state by apply-state.ts) to the
// BullMQ queue the dispatcher consumes. At-least-once from the stream (consumer group; entries are acked only
// after the job was added), exactly-once in effect because the job id is the event's deterministic id:
// BullMQ ignores an add whose job id already exists. Entries left pending by a dead ingester are claimed.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { QUEUES, type FaultEvent } from '../core/queues.ts';
import type { Logger } from '../infra/logger.ts';

const GROUP = 'relay';
/** Completed jobs are kept this long so that a late re-add of the same event id is still recognised. */
export const FAULT_JOB_RETENTION_S = 7 * 24 * 3600;

type Entry = [id: string, fields: string[]];

export function createOutboxRelay(deps: {
  /** A dedicated connection: the relay blocks on XREADGROUP. */
  redis: Redis;
  queue: Pick<Queue, 'add'>;
  prefix: string;
  consumer: string;
  logger: Logger;
  onRelayed?: (count: number) => void;
  claimIdleMs?: number;
}) {
  const keys = redisKeys(deps.prefix);
  const stream = keys.ingestOutbox;
  const claimIdleMs = deps.claimIdleMs ?? 30_000;
  let running = false;
  let loop: Promise<void> | undefined;

  async function ensureGroup(): Promise<void> {
    try {
      await deps.redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
  }

  async function relay(entries: Entry[]): Promise<void> {
    for (const [id, fields] of entries) {
      const json = fields[fields.indexOf('event') + 1];
      let event: FaultEvent | undefined;
      try {
        event = json ? (JSON.parse(json) as FaultEvent) : undefined;
      } catch {
        event = undefined;
      }
      if (event) {
        await deps.queue.add(QUEUES.faultEvents, event, {
          jobId: event.id,
          removeOnComplete: { age: FAULT_JOB_RETENTION_S },
          removeOnFail: { age: FAULT_JOB_RETENTION_S },
          attempts: 10,
          backoff: { type: 'exponential', delay: 1000 },
        });
      } else {
        deps.logger.error({ id }, 'unreadable outbox entry dropped');
      }
      await deps.redis.multi().xack(stream, GROUP, id).xdel(stream, id).exec();
    }
    if (entries.length) deps.onRelayed?.(entries.length);
  }

  function entriesOf(reply: unknown): Entry[] {
    if (!Array.isArray(reply) || reply.length === 0) return [];
    const [, entries] = (reply as Array<[string, Array<Entry | null>]>)[0]!;
    return entries.filter((e): e is Entry => Array.isArray(e) && Array.isArray(e[1]));
  }

  async function run(): Promise<void> {
    let backoff = 100;
    let lastClaim = 0;
    let ownPending = true;
    while (running) {
      try {
        if (ownPending) {
          // Entries this consumer took before a crash and never acked.
          const mine = entriesOf(await deps.redis.xreadgroup('GROUP', GROUP, deps.consumer, 'COUNT', 100, 'STREAMS', stream, '0'));
          await relay(mine);
          ownPending = mine.length > 0;
        }
        if (Date.now() - lastClaim > claimIdleMs / 2) {
          lastClaim = Date.now();
          const claimed = (await deps.redis.xautoclaim(stream, GROUP, deps.consumer, claimIdleMs, '0-0', 'COUNT', 100)) as [string, Entry[]];
          await relay(claimed[1].filter((e) => Array.isArray(e?.[1])));
        }
        const fresh = entriesOf(
          await deps.redis.xreadgroup('GROUP', GROUP, deps.consumer, 'COUNT', 100, 'BLOCK', 1000, 'STREAMS', stream, '>'),
        );
        await relay(fresh);
        backoff = 100;
      } catch (err) {
        if (!running) break;
        if (err instanceof Error && err.message.includes('NOGROUP')) await ensureGroup().catch(() => undefined);
        deps.logger.warn({ err }, 'outbox relay failed, retrying');
        ownPending = true;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  return {
    async start(): Promise<void> {
      await ensureGroup();
      running = true;
      loop = run();
    },
    /** Stops after the current round; the caller then closes the connection. */
    async stop(): Promise<void> {
      running = false;
      deps.redis.disconnect();
      await loop;
    },
  };
}
