// The replication gate (infra/redis.ts replicationGate) against a real Redis, in both modes: a master that cannot
// reach the replicas asked for — the promoted replica after a failover, here simply more replicas asked than exist —
// costs one WAIT timeout, not one per commit; a short probe later checks again. Without it the failover test's
// dispatchers crawled at one commit per second, every other command of their connection queued behind each WAIT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaseStore } from '../../infra/case-store.ts';
import { createRedis, DEGRADED_RECHECK_MS, PROBE_WAIT_MS, replicationGate, type Redis } from '../../infra/redis.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { makeVin } from '../dispatcher/fixtures.ts';

const services = testServices('waitgate');
const clocks = { launchWindowS: 900, escalateBeforeS: 300, repairWindowS: 86_400 };
const TIMEOUT_MS = 400;
let redis: Redis;

beforeAll(async () => {
  // One replica per master on the test cluster, none on the standalone Redis: ask for one more than there is.
  redis = createRedis({ ...services, redisWaitReplicas: services.redisMode === 'cluster' ? 2 : 1, redisWaitTimeoutMs: TIMEOUT_MS }, 'fail-fast');
  await redis.ping();
});
afterAll(() => redis?.disconnect());

describe('replication gate', () => {
  it('after one WAIT timed out, commits stop waiting (counted unreplicated) until a short probe finds the replicas', async () => {
    const store = createCaseStore({ redis, prefix: services.redisPrefix, clocks });
    let n = 0;
    const open = async () => {
      const started = performance.now();
      await store.open({
        vin: makeVin(90_000 + n++), customerId: 'c', source: 'telematics', reportedAt: new Date(), reportedBy: { kind: 'telematics', id: 'ingest' },
        spns: [100], systems: [], capabilities: ['engine'], partsCategories: [],
      });
      return performance.now() - started;
    };

    expect(await open()).toBeGreaterThanOrEqual(TIMEOUT_MS - 5); // the first commit waits the full timeout
    const degraded: number[] = [];
    for (let i = 0; i < 20; i++) degraded.push(await open());
    expect(Math.max(...degraded)).toBeLessThan(TIMEOUT_MS / 2); // the next ones do not wait at all
    expect(store.unreplicatedCommits()).toBe(21);

    // Once the recheck period is over, one commit probes with the short timeout (and finds the replicas still short).
    const gate = replicationGate(redis);
    const since = Date.now();
    await waitFor(() => Date.now() - since > DEGRADED_RECHECK_MS, { timeoutMs: DEGRADED_RECHECK_MS + 1000, intervalMs: 50 });
    expect(gate.next()).toEqual({ replicas: services.redisMode === 'cluster' ? 2 : 1, timeoutMs: PROBE_WAIT_MS });
    expect(gate.next()).toBeUndefined(); // one probe at a time
    gate.settled({ replicas: 1, timeoutMs: PROBE_WAIT_MS }, 0);
    expect(gate.next()).toBeUndefined(); // still degraded
  });

  it('a probe that reaches the replicas restores the full WAIT', () => {
    const clockAt = { now: 0 };
    const client = createRedis({ ...services, redisWaitReplicas: 1, redisWaitTimeoutMs: 1000 }, 'fail-fast', { lazyConnect: true });
    try {
      const gate = replicationGate(client, () => clockAt.now);
      const full = gate.next()!;
      expect(full).toEqual({ replicas: 1, timeoutMs: 1000 });
      gate.settled(full, 0);
      expect(gate.next()).toBeUndefined();
      clockAt.now += DEGRADED_RECHECK_MS;
      const probe = gate.next()!;
      expect(probe.timeoutMs).toBe(PROBE_WAIT_MS);
      gate.settled(probe, 1);
      expect(gate.next()).toEqual({ replicas: 1, timeoutMs: 1000 });
    } finally {
      client.disconnect();
    }
  });
});
