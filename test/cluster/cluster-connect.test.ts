// A cluster client's connect() settles even when it runs while a master is down. ioredis 5 dropped the promise of a
// connect() whose ready check found cluster_state:fail: the client recovered by itself, the promise never settled,
// and BullMQ, which awaits it when it reconnects a worker's blocking connection, stopped that worker for good — the
// failover test's cases left offered (infra/redis.ts SettlingCluster, docs/reliability.md). Here the failover window
// is held open on purpose: a private cluster of masters only, one of them stopped (SIGSTOP) until the clients have
// met cluster_state:fail, then resumed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { startRedisCluster, type LocalRedisCluster } from '../../infra/local-services.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { waitFor } from '../harness/context.ts';

const CLIENTS = 6;
const dir = mkdtempSync(join(tmpdir(), 'fleet-rescue-cluster-connect-'));
let cluster: LocalRedisCluster;
const clients: Redis[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ dir, masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 1000 });
}, 120_000);
afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const node of cluster?.nodes ?? []) node.child.kill('SIGCONT');
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const clusterState = async (port: number) => {
  const probe = createRedis({ redisMode: 'standalone', redisUrl: `redis://127.0.0.1:${port}` }, 'fail-fast');
  try {
    return /cluster_state:(\w+)/.exec((await probe.cluster('INFO')) as string)?.[1];
  } finally {
    probe.disconnect();
  }
};

describe('cluster client connect() during a failover window', () => {
  it('settles once the cluster is back, for every client that met cluster_state:fail', async () => {
    const [stopped, ...survivors] = cluster.nodes;
    stopped!.child.kill('SIGSTOP');
    await waitFor(async () => (await Promise.all(survivors.map((n) => clusterState(n.port)))).every((s) => s === 'fail'), {
      timeoutMs: 30_000, intervalMs: 100, what: 'cluster_state:fail on the running masters',
    });

    // Each client's ready check asks a node of its slot map at random: a running master answers cluster_state:fail
    // (the case that left the promise pending), the stopped one answers once resumed. With six clients, at least one
    // meets the failure but for a chance of (1/3)^6.
    const target = { redisMode: 'cluster' as const, redisUrl: survivors.map((n) => n.url).join(',') };
    let metFailure = 0;
    const settled: string[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const client = createRedis(target, 'worker');
      clients.push(client);
      client.on('error', () => {});
      (client as unknown as Cluster).once('reconnecting', () => metFailure++);
      void (client as unknown as Cluster).connect().then(() => settled.push('ready'), (err: Error) => settled.push(err.message));
    }
    await waitFor(() => metFailure > 0, { timeoutMs: 30_000, intervalMs: 50, what: 'a client reconnecting after a failed ready check' });

    stopped!.child.kill('SIGCONT');
    await waitFor(async () => (await Promise.all(cluster.nodes.map((n) => clusterState(n.port)))).every((s) => s === 'ok'), {
      timeoutMs: 30_000, intervalMs: 100, what: 'cluster_state:ok again',
    });
    await waitFor(() => settled.length === CLIENTS, { timeoutMs: 30_000, intervalMs: 50, what: `connect() of all ${CLIENTS} clients to settle` })
      .catch((err: Error) => expect.fail(`${err.message}: ${settled.length} did; ${metFailure} had met cluster_state:fail`));
    expect(settled).toEqual(Array(CLIENTS).fill('ready'));
    // And each client works.
    for (const [i, client] of clients.entries()) {
      await client.set(`connect-${i}`, 'v');
      expect(await client.get(`connect-${i}`)).toBe('v');
    }
  }, 120_000);
});
