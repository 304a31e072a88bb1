// On the real cluster (npm run test:cluster): vehicles' live state spreads over every master, a case commit is on a
// replica when it is acknowledged (WAIT), and what that costs per commit; an ingest batch that carries fault events
// is acknowledged after WAIT too (its outbox entries must survive a failover), a batch of positions alone is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { createCaseStore } from '../../infra/case-store.ts';
import { createRedis, keySlot, redisNodes, type Redis } from '../../infra/redis.ts';
import { createStateApplier } from '../../ingest/apply-state.ts';
import type { DecodedBatch } from '../../ingest/decode.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { makeVin } from '../dispatcher/fixtures.ts';

const services = testServices('clusterlayout');
const keys = redisKeys(services.redisPrefix);
const clocks = { launchWindowS: 900, escalateBeforeS: 300, repairWindowS: 86_400 };
let redis: Redis;

beforeAll(async () => {
  redis = createRedis(services, 'fail-fast');
  await redis.ping();
});
afterAll(() => redis?.disconnect());

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe.runIf(services.redisMode === 'cluster')('Redis Cluster layout', () => {
  it('live-state keys spread over all three masters', async () => {
    const applier = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'layout', spoolId: 'layout' });
    const positions: DecodedBatch['positions'] = Array.from({ length: 3000 }, (_, i) => ({
      vin: makeVin(50_000 + i), customerId: 'c', report: { ts: 1000, lat: 30 + (i % 100) / 100, lon: 114 }, receivedAt: 1,
    }));
    for (let i = 0; i < positions.length; i += 500) {
      await applier.apply({ positions: positions.slice(i, i + 500), dm1s: [], statuses: [], alarms: [], deadLetters: [], received: { position: 0, dm1: 0, status: 0, alarm: 0, other: 0 } }, { segment: 1, offset: i + 500 }, 2000);
    }
    const spread = services.redisPrefix.replace(/[{}]/g, '');
    const masters = redisNodes(redis);
    const counts = await Promise.all(masters.map(async (node) => (await node.keys(`${spread}:live:*`)).length));
    const total = counts.reduce((a, b) => a + b, 0);
    const shares = masters.map((node, i) => `${node.options.port}: ${((100 * counts[i]!) / total).toFixed(1)} %`);
    process.stdout.write(`live-state keys per master (${total} vehicles): ${shares.join(', ')}\n`);
    expect(total).toBe(3000);
    expect(masters).toHaveLength(3);
    for (const count of counts) expect(count / total).toBeGreaterThan(0.25);
  });

  it('a case commit is acknowledged once a replica has it; WAIT costs this much per commit', async () => {
    const noWait = createRedis({ ...services, redisWaitReplicas: 0 }, 'fail-fast');
    try {
      const measure = async (client: Redis, label: string) => {
        const store = createCaseStore({ redis: client, prefix: services.redisPrefix, clocks });
        const ms: number[] = [];
        for (let i = 0; i < 300; i++) {
          const started = performance.now();
          await store.open({
            vin: makeVin(label === 'wait' ? 70_000 + i : 80_000 + i), customerId: 'c', source: 'telematics',
            reportedAt: new Date(), reportedBy: { kind: 'telematics', id: 'ingest' },
            spns: [100], systems: [], capabilities: ['engine'], partsCategories: [],
          });
          ms.push(performance.now() - started);
        }
        ms.sort((a, b) => a - b);
        return { store, p50: percentile(ms, 50), p99: percentile(ms, 99) };
      };
      const without = await measure(noWait, 'nowait');
      const withWait = await measure(redis, 'wait');
      process.stdout.write(
        `case open (read + commit), 300 sequential: WAIT 0 p50 ${without.p50.toFixed(2)} ms p99 ${without.p99.toFixed(2)} ms; ` +
          `WAIT 1 p50 ${withWait.p50.toFixed(2)} ms p99 ${withWait.p99.toFixed(2)} ms\n`,
      );
      expect(withWait.store.unreplicatedCommits()).toBe(0);

      // The newest case is on the replica of the master that owns the control plane's slot.
      const newest = (await redis.zrange(keys.caseIndex, -1, -1))[0]!;
      const slot = keySlot(keys.case(newest));
      // CLUSTER SLOTS lists a master's replica once it is linked (right after the cluster's creation it may not be yet).
      const range = await waitFor(async () => {
        const slots = (await redis.cluster('SLOTS')) as unknown as Array<[number, number, ...Array<[string, number]>]>;
        const found = slots.find(([from, to]) => slot >= from && slot <= to);
        return found && found.length > 3 ? found : undefined;
      }, { what: 'the replica of the case slot in CLUSTER SLOTS' });
      const [, , , replicaAddress] = range;
      const replica = createRedis({ redisMode: 'standalone', redisUrl: `redis://${replicaAddress![0]}:${replicaAddress![1]}` }, 'fail-fast');
      try {
        await replica.call('READONLY');
        expect(await replica.hget(keys.case(newest), 'v')).toBe('1');
      } finally {
        replica.disconnect();
      }
    } finally {
      noWait.disconnect();
    }
  });
  it('an ingest batch with fault events is acknowledged after WAIT; a batch of positions alone goes without', async () => {
    const named = createRedis(services, 'fail-fast', { connectionName: 'outbox-wait-check' });
    try {
      const applier = createStateApplier({ redis: named, prefix: services.redisPrefix, clientId: 'outbox-wait', spoolId: 'outbox-wait' });
      // The control plane's master: the one serving the outbox's slot.
      const slot = keySlot(keys.ingestOutbox);
      const slots = (await redis.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
      const [, , [, port]] = slots.find(([from, to]) => slot >= from && slot <= to)!;
      const master = redisNodes(redis).find((node) => node.options.port === port)!;
      /** The last command the applier's connection sent to the control plane's master (CLIENT LIST's `cmd`). */
      const lastCommand = async (): Promise<string | undefined> => {
        const list = String(await master.client('LIST'));
        const line = list.split('\n').find((l) => / name=outbox-wait-check /.test(l));
        return / cmd=(\S+)/.exec(line ?? '')?.[1];
      };
      const vin = makeVin(90_001);
      const empty = { statuses: [], alarms: [], deadLetters: [], received: { position: 0, dm1: 0, status: 0, alarm: 0, other: 0 } };
      const lamps = { mil: false, redStop: true, amberWarning: false, protect: false };
      const fault = await applier.apply({
        ...empty,
        positions: [{ vin, customerId: 'c', report: { ts: 5000, lat: 31.2, lon: 121.5 }, receivedAt: 1 }],
        dm1s: [{ vin, customerId: 'c', report: { ts: 5000, lamps, dtcs: [{ spn: 100, fmi: 1, oc: 1 }] }, receivedAt: 1 }],
      }, { segment: 1, offset: 10 }, 6000);
      expect(fault).toMatchObject({ applied: true, faultEvents: 1 });
      expect(await lastCommand()).toBe('wait');
      const positionsOnly = await applier.apply({
        ...empty, dm1s: [], positions: [{ vin, customerId: 'c', report: { ts: 7000, lat: 31.3, lon: 121.5 }, receivedAt: 2 }],
      }, { segment: 1, offset: 20 }, 8000);
      expect(positionsOnly).toMatchObject({ applied: true, faultEvents: 0 });
      expect(await lastCommand()).toMatch(/^eval/);
    } finally {
      named.disconnect();
    }
  });
});
