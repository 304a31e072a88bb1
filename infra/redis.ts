import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';

import { defaultWaitReplicas, type RedisMode } from './config.ts';

export type { Redis };


/** Where a process's Redis is: the two settings of CommonConfig that every connection needs. */
export interface RedisTarget {
  readonly redisMode: RedisMode;
  readonly redisUrl: string;
  /** CommonConfig's write concern for system-of-record commits (defaults: `defaultWaitReplicas`, 1000 ms). */
  readonly redisWaitReplicas?: number;
  readonly redisWaitTimeoutMs?: number;
}

/**
 * The write concern of a connection's system-of-record commits: how many replicas to `WAIT` for and how long.
 * Redis replication is asynchronous; a master killed right after acknowledging a write loses it unless a replica
 * had it (docs/reliability.md, docs/scaling.md). Kept with the connection so that every process committing cases
 * (dispatcher, API) applies the one configured value.
 */
export function writeConcern(redis: object): { replicas: number; timeoutMs: number } {
  const target = targets.get(redis);
  if (!target) return { replicas: 0, timeoutMs: 1000 };
  return { replicas: target.redisWaitReplicas ?? defaultWaitReplicas(target.redisMode), timeoutMs: target.redisWaitTimeoutMs ?? 1000 };
}

/** The `WAIT` of one commit: how many replicas and how long. */
export interface ReplicaWait {
  readonly replicas: number;
  readonly timeoutMs: number;
}

/** How long commits go without `WAIT` after one timed out, before a short probe `WAIT` checks the replicas again. */
export const DEGRADED_RECHECK_MS = 1000;
/** The probe's timeout: a replica in sync answers within a few ms even on a busy machine (docs/scaling.md). */
export const PROBE_WAIT_MS = 50;

/**
 * The write concern of a connection, adapted to what its last `WAIT` saw. `WAIT` blocks the connection that sends
 * it: every command queued behind it on that socket waits too. A master without a replica in sync — the promoted
 * replica after a failover, whose old master is dead — makes every `WAIT` run to its timeout, so a dispatcher
 * doing one commit after another on its one connection crawled at one commit per timeout and its BullMQ jobs lost
 * their locks (the failover test, docs/reliability.md). So: after a `WAIT` that reached fewer replicas than asked,
 * commits go without `WAIT` (counted unreplicated, as a timed-out one is) for `DEGRADED_RECHECK_MS`; then one
 * commit probes with a `PROBE_WAIT_MS` timeout, and a probe that reaches the replicas restores the full concern.
 * One gate per connection, shared by every store on it.
 */
export interface ReplicationGate {
  /** The `WAIT` for the next commit, or undefined to commit without one (no replicas configured, or degraded). */
  next(): ReplicaWait | undefined;
  /** What a commit's `WAIT` returned: the number of replicas that acknowledged (undefined: it did not answer). */
  settled(wait: ReplicaWait, acked: number | undefined): void;
}

const gates = new WeakMap<object, ReplicationGate>();

export function replicationGate(redis: object, clock: () => number = Date.now): ReplicationGate {
  const existing = gates.get(redis);
  if (existing) return existing;
  const concern = writeConcern(redis);
  let degradedUntil = 0;
  let probing = false;
  const gate: ReplicationGate = {
    next() {
      if (concern.replicas <= 0) return undefined;
      if (degradedUntil === 0) return concern;
      if (probing || clock() < degradedUntil) return undefined;
      probing = true;
      return { replicas: concern.replicas, timeoutMs: Math.min(concern.timeoutMs, PROBE_WAIT_MS) };
    },
    settled(wait, acked) {
      const probe = wait !== concern;
      if (probe) probing = false;
      if (acked === undefined) return;
      if (acked >= wait.replicas) {
        if (probe) degradedUntil = 0;
      } else {
        degradedUntil = clock() + DEGRADED_RECHECK_MS;
      }
    },
  };
  gates.set(redis, gate);
  return gate;
}

/**
 * Runs one write followed by `WAIT` in one pipeline — so the `WAIT` goes to the master that ran the write (the
 * write's slot on a cluster) — and tells the gate what it saw. Returns the write's reply (its error thrown) and how
 * many replicas acknowledged (undefined: the `WAIT` did not answer).
 */
export async function writeThenWait<T>(
  redis: Redis,
  gate: ReplicationGate,
  wait: ReplicaWait,
  enqueue: (pipeline: ReturnType<Redis['pipeline']>) => void,
): Promise<{ reply: T; acked: number | undefined }> {
  const pipeline = redis.pipeline();
  enqueue(pipeline);
  pipeline.wait(wait.replicas, wait.timeoutMs);
  const [writeRow, waitRow] = (await pipeline.exec()) ?? [];
  const acked = waitRow && !waitRow[0] ? Number(waitRow[1]) : undefined;
  gate.settled(wait, acked);
  if (!writeRow) throw new Error('pipeline: no reply to the write');
  if (writeRow[0]) throw writeRow[0];
  return { reply: writeRow[1] as T, acked };
}

/** The seed URLs of a target: one in standalone mode, one or more in cluster mode. */
export function redisSeeds(target: RedisTarget): string[] {
  return target.redisUrl.split(',').map((url) => url.trim()).filter(Boolean);
}

const targets = new WeakMap<object, RedisTarget>();

/**
 * Per cluster client: one promise of its next 'ready' (or 'end'), shared by everyone waiting for it. Not a field of
 * SettlingCluster: ioredis's constructor calls connect() itself (without lazyConnect), before a subclass's fields exist.
 */
const nextReady = new WeakMap<Cluster, Promise<void>>();

/** Resolves at the client's next 'ready', rejects at its 'end'. */
function nextReadyOf(cluster: Cluster): Promise<void> {
  let waiting = nextReady.get(cluster);
  if (!waiting) {
    waiting = new Promise<void>((resolve, reject) => {
      const onReady = () => {
        done();
        resolve();
      };
      const onEnd = () => {
        done();
        reject(new Error('Redis Cluster connection ended before it was ready'));
      };
      const done = () => {
        cluster.off('ready', onReady);
        cluster.off('end', onEnd);
        nextReady.delete(cluster);
      };
      cluster.once('ready', onReady);
      cluster.once('end', onEnd);
    });
    // Handled here: a connect() that settled by its own attempt no longer listens when this rejects.
    waiting.catch(() => {});
    nextReady.set(cluster, waiting);
  }
  return waiting;
}

/**
 * ioredis's `Cluster` with a `connect()` that always settles. ioredis 5 drops the promise of a `connect()` whose ready
 * check finds `cluster_state:fail` once the slot map has arrived — exactly the seconds between a master's death and
 * its replica's promotion: the client disconnects and reconnects by itself and does become ready, but that promise is
 * never resolved nor rejected. BullMQ awaits it when it reconnects a worker's blocking connection, so a worker that
 * was idle (blocked on its queue's marker) when a master died stopped taking jobs for good, its process alive and
 * silent — the failover test's "40 cases still offered": the dispatchers' rescue-jobs workers stopped, and with them
 * every offer timeout, escalation and sweep (test/cluster/cluster-connect.test.ts). Here `connect()` also settles
 * when the client becomes ready, or ends, by whichever attempt.
 */
class SettlingCluster extends Cluster {
  private readonly seeds: ClusterNode[];

  constructor(seeds: ClusterNode[], options: ClusterOptions) {
    super(seeds, options);
    this.seeds = seeds;
  }

  override connect(): Promise<void> {
    return Promise.race([super.connect(), nextReadyOf(this)]);
  }

  /** BullMQ duplicates a worker's connection for its blocking reads: the duplicate must settle too. */
  override duplicate(overrideStartupNodes: ClusterNode[] = [], overrideOptions: ClusterOptions = {}): Cluster {
    return new SettlingCluster(overrideStartupNodes.length > 0 ? overrideStartupNodes : [...this.seeds], { ...this.options, ...overrideOptions });
  }
}

/**
 * The one place a Redis connection is made. Two kinds, following BullMQ's advice: producers and request handlers
 * fail fast (a bounded number of retries per command), workers and blocking readers wait for Redis forever.
 *
 * In cluster mode this is an ioredis `Cluster`, typed as `Redis`: both implement the same command interface, which is
 * all the stores use, so no store's signature changes with the mode. What differs on a cluster is handled where it
 * matters — multi-key scripts keep their keys in one hash-tag slot (core/keys.ts, docs/scaling.md), node-wide
 * commands (CONFIG, KEYS) go to every master (`redisNodes`).
 */
export function createRedis(target: RedisTarget, kind: 'fail-fast' | 'worker', extra: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    lazyConnect: false,
    enableReadyCheck: true,
    maxRetriesPerRequest: kind === 'worker' ? null : 3,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    ...extra,
  };
  const seeds = redisSeeds(target);
  let client: Redis;
  if (target.redisMode === 'cluster') {
    const { enableAutoPipelining, maxRetriesPerRequest, ...redisOptions } = options;
    const cluster = new SettlingCluster(seeds.map(seedNode), {
      // Connects at its first command (or ensureRedisDurability), after verifyRedisMode has refused a bad mix with
      // one line — not before it, printing slot-refresh errors.
      lazyConnect: true,
      redisOptions: { ...redisOptions, maxRetriesPerRequest },
      enableReadyCheck: true,
      enableAutoPipelining: enableAutoPipelining ?? false,
      // Failover: a master's replica takes over its slots within cluster-node-timeout; until then commands to
      // those slots are retried (MOVED/TRYAGAIN/CLUSTERDOWN) rather than failed.
      clusterRetryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      slotsRefreshTimeout: 2000,
      maxRedirections: 32,
    });
    client = cluster as unknown as Redis;
  } else {
    client = new Redis(seeds[0] ?? target.redisUrl, options);
  }
  targets.set(client, target);
  return client;
}

function seedNode(url: string): ClusterNode {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

/** True for a connection made by `createRedis` in cluster mode. */
export function isCluster(redis: Redis): boolean {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true;
}

/** The node connections behind a client: every master of a cluster, or the client itself. */
export function redisNodes(redis: Redis, role: 'master' | 'all' = 'master'): Redis[] {
  return isCluster(redis) ? (redis as unknown as Cluster).nodes(role) : [redis];
}

/**
 * Every key matching `pattern` on every master (KEYS reaches one node only on a cluster). For tools and tests:
 * KEYS blocks a node while it scans.
 */
export async function keysEverywhere(redis: Redis, pattern: string): Promise<string[]> {
  const lists = await Promise.all(redisNodes(redis).map((node) => node.keys(pattern)));
  return lists.flat();
}

/** Deletes keys one by one (a multi-key DEL is CROSSSLOT on a cluster). */
export async function deleteKeys(redis: Redis, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((key) => redis.del(key)));
}

export class RedisModeError extends Error {
  override readonly name = 'RedisModeError';
}

/**
 * A bad mix of REDIS_MODE and server stops the process at start with one clear line: a cluster client against a
 * standalone server would retry its slot map forever, and a standalone client against a cluster node would answer
 * MOVED to every other key. Probes each seed with a plain connection (`INFO cluster`).
 */
export async function verifyRedisMode(target: RedisTarget): Promise<void> {
  for (const seed of redisSeeds(target)) {
    const probe = new Redis(seed, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 5000 });
    probe.on('error', () => {});
    let enabled: boolean;
    try {
      await probe.connect();
      enabled = /cluster_enabled:1/.test(await probe.info('cluster'));
    } catch (err) {
      if (target.redisMode === 'cluster' && redisSeeds(target).length > 1) continue; // another seed may answer
      throw err;
    } finally {
      probe.disconnect();
    }
    if (target.redisMode === 'cluster' && !enabled) {
      throw new RedisModeError(`REDIS_MODE=cluster but ${seed} is a standalone Redis (cluster_enabled:0); set REDIS_MODE=standalone or list cluster nodes in REDIS_URL`);
    }
    if (target.redisMode === 'standalone' && enabled) {
      throw new RedisModeError(`REDIS_MODE=standalone but ${seed} is a Redis Cluster node (cluster_enabled:1); set REDIS_MODE=cluster and list the seed nodes in REDIS_URL`);
    }
    return;
  }
  throw new RedisModeError(`no seed node of REDIS_URL answered (${target.redisUrl})`);
}

type Corkable = NodeJS.WritableStream & { cork(): void; uncork(): void; write: (...args: never[]) => boolean };

/**
 * Coalesces the commands written to Redis during one turn of the event loop into one socket write: the
 * connection's socket is corked at the first write of a turn and uncorked at the end of the turn
 * (setImmediate), so the commands of many concurrent requests leave in one system call. This is what
 * ioredis's `enableAutoPipelining` is for, without the Pipeline object it builds per turn (measured on
 * bench:api: a socket write per command was a quarter of the API's CPU, auto-pipelining's objects 6 %).
 * Applied again to the new socket after every reconnect.
 */
export function coalesceWrites(redis: Redis): void {
  if (isCluster(redis)) {
    // A cluster client has one connection per node: coalesce each of them.
    const cluster = redis as unknown as Cluster;
    cluster.on('+node', (node: Redis) => coalesceWrites(node));
    for (const node of cluster.nodes('all')) coalesceWrites(node);
    return;
  }
  const patched = new WeakSet<object>();
  const patch = () => {
    const stream = (redis as unknown as { stream?: Corkable }).stream;
    if (!stream || patched.has(stream) || typeof stream.cork !== 'function') return;
    patched.add(stream);
    const write = stream.write;
    let corked = false;
    const uncork = () => {
      corked = false;
      stream.uncork();
    };
    stream.write = function coalescedWrite(this: Corkable, ...args: never[]) {
      if (!corked) {
        corked = true;
        stream.cork();
        setImmediate(uncork);
      }
      return write.apply(this, args);
    } as Corkable['write'];
  };
  redis.on('connect', patch);
  patch();
}

export class RedisPersistenceError extends Error {
  override readonly name = 'RedisPersistenceError';
}

/**
 * Redis is the system of record for the registry and for rescue cases: it must keep what it acknowledged
 * (AOF) and must never silently drop keys under memory pressure (noeviction). We set both and then verify,
 * refusing to run against a Redis that does not hold them (e.g. a managed Redis that forbids CONFIG SET).
 */
export async function ensureRedisDurability(redis: Redis): Promise<void> {
  const target = targets.get(redis);
  if (target) await verifyRedisMode(target);
  if (isCluster(redis)) await waitForClusterReady(redis);
  // On a cluster every node (replicas too: one becomes master at failover) must hold both settings.
  for (const node of redisNodes(redis, 'all')) {
    try {
      await node.config('SET', 'appendonly', 'yes');
      await node.config('SET', 'maxmemory-policy', 'noeviction');
    } catch {
      // Managed Redis may forbid CONFIG SET; the check below decides.
    }
    const aof = (await node.config('GET', 'appendonly')) as string[];
    const policy = (await node.config('GET', 'maxmemory-policy')) as string[];
    if (aof[1] !== 'yes') throw new RedisPersistenceError('Redis must run with appendonly yes (AOF persistence)');
    if (policy[1] !== 'noeviction') {
      throw new RedisPersistenceError(`Redis must run with maxmemory-policy noeviction (is ${policy[1]})`);
    }
  }
}

/** Resolves once the cluster client has its slot map and node connections (`nodes()` is empty before). */
async function waitForClusterReady(redis: Redis): Promise<void> {
  const cluster = redis as unknown as Cluster;
  if (cluster.status === 'ready') return;
  if (cluster.status === 'wait') return cluster.connect();
  await nextReadyOf(cluster);
}

/** Redis Cluster's slot of a key: CRC16 (XModem) of its hash tag (the first non-empty {…}) or of the whole key, mod 16384. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16_384;
}

/**
 * How a client groups keys for one multi-key script: by slot on a cluster (a script's keys must share one), all in
 * one group on a standalone Redis (one script call for the lot).
 */
export function scriptGroupOf(redis: object): (key: string) => number {
  return isCluster(redis as Redis) ? keySlot : () => 0;
}
