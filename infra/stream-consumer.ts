// One Redis Streams consumer-group loop for every relay (ingest outbox → fault-events queue, live events →
// webhook deliveries). At-least-once: an entry is acknowledged only after `handle` returned, so a relay that
// dies mid-entry leaves it pending; on start and after an error this consumer first re-reads its own pending
// entries, and entries left pending by a dead consumer are claimed once idle for `claimIdleMs`. Handlers make
// the effect exactly-once with deterministic job ids.
import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/** A stream entry: its id and its flat field/value list. */
export type StreamEntry = [id: string, fields: string[]];

export interface StreamConsumerOptions {
  /** A dedicated connection: XREADGROUP blocks it. */
  redis: Redis;
  stream: string;
  group: string;
  consumer: string;
  /** Where a newly created group starts: `0` (the whole stream) or `$` (only new entries). */
  startId: '0' | '$';
  /** Handles one entry; throwing leaves it pending (retried). */
  handle: (entry: StreamEntry) => Promise<void>;
  /** Delete entries after acknowledging them (an outbox), or keep them (a shared feed). */
  deleteAfterAck: boolean;
  logger: Logger;
  /** Name used in log lines. */
  name: string;
  claimIdleMs?: number;
  blockMs?: number;
  onHandled?: (count: number) => void;
}

function entriesOf(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const [, entries] = (reply as Array<[string, Array<StreamEntry | null>]>)[0]!;
  return entries.filter((e): e is StreamEntry => Array.isArray(e) && Array.isArray(e[1]));
}

export function createStreamConsumer(opts: StreamConsumerOptions) {
  const { redis, stream, group, consumer } = opts;
  const claimIdleMs = opts.claimIdleMs ?? 30_000;
  const blockMs = opts.blockMs ?? 1000;
  let running = false;
  let loop: Promise<void> | undefined;

  async function ensureGroup(): Promise<void> {
    try {
      await redis.xgroup('CREATE', stream, group, opts.startId, 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
  }

  async function handleAll(entries: StreamEntry[]): Promise<void> {
    for (const entry of entries) {
      await opts.handle(entry);
      if (opts.deleteAfterAck) await redis.multi().xack(stream, group, entry[0]).xdel(stream, entry[0]).exec();
      else await redis.xack(stream, group, entry[0]);
    }
    if (entries.length) opts.onHandled?.(entries.length);
  }

  async function run(): Promise<void> {
    let backoff = 100;
    let lastClaim = 0;
    let ownPending = true;
    while (running) {
      try {
        if (ownPending) {
          // Entries this consumer took before a crash or an error and never acknowledged.
          const mine = entriesOf(await redis.xreadgroup('GROUP', group, consumer, 'COUNT', 100, 'STREAMS', stream, '0'));
          await handleAll(mine);
          ownPending = mine.length > 0;
        }
        if (Date.now() - lastClaim > claimIdleMs / 2) {
          lastClaim = Date.now();
          const claimed = (await redis.xautoclaim(stream, group, consumer, claimIdleMs, '0-0', 'COUNT', 100)) as [string, Array<StreamEntry | null>];
          await handleAll(claimed[1].filter((e): e is StreamEntry => Array.isArray(e?.[1])));
        }
        await handleAll(entriesOf(await redis.xreadgroup('GROUP', group, consumer, 'COUNT', 100, 'BLOCK', blockMs, 'STREAMS', stream, '>')));
        backoff = 100;
      } catch (err) {
        if (!running) break;
        if (err instanceof Error && err.message.includes('NOGROUP')) await ensureGroup().catch(() => undefined);
        opts.logger.warn({ err }, `${opts.name} failed, retrying`);
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
    /** Stops after the current round and closes the dedicated connection. */
    async stop(): Promise<void> {
      running = false;
      redis.disconnect();
      await loop;
    },
  };
}
