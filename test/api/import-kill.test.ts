// `kill -9` of `npm run import` at different moments of a 10,000-vehicle import: the registry holds
// either none or all of the file, and the vehicles-by-customer index always matches the registry.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { createRedis, deleteKeys, keysEverywhere, redisNodes, type Redis } from '../../infra/redis.ts';
import { loadRegionMap } from '../../infra/regions-data.ts';
import { createRegistryImporter } from '../../registry/importer.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { loadChinaCities } from '../../simulators/cities.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork, serializeNetworkFile } from '../../simulators/network.ts';
import { testServices, waitFor } from '../harness/context.ts';

const services = testServices('importkill');
const keys = redisKeys(services.redisPrefix);
let redis: Redis;
let dir: string;
let customerIds: string[];
const VEHICLES = 10_000;

function startImport(kind: string, file: string): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', kind, file], { env: services.env(), stdio: 'ignore' });
  return { child, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function consistent(): Promise<number> {
  const stored = await redis.hlen(keys.registry('vehicle'));
  let indexed = 0;
  for (const c of customerIds) indexed += await redis.scard(keys.customerVehicles(c));
  expect(indexed).toBe(stored);
  return stored;
}

beforeAll(async () => {
  redis = createRedis(services, 'fail-fast');
  dir = mkdtempSync(join(tmpdir(), 'import-kill-'));
  const network = generateNetwork(loadChinaCities(), { ...DEFAULT_NETWORK_OPTIONS, vehicles: VEHICLES });
  customerIds = network.customers.map((c) => c.id);
  writeFileSync(join(dir, 'vehicles.json'), serializeNetworkFile(network.vehicles));
  const importer = createRegistryImporter({ registry: createRegistryStore({ redis, prefix: services.redisPrefix }), regions: loadRegionMap() });
  expect((await importer.importRows('advisor', network.advisors)).problems).toEqual([]);
  expect((await importer.importRows('customer', network.customers)).problems).toEqual([]);
});
afterAll(async () => {
  await deleteKeys(redis, await keysEverywhere(redis, `${services.redisPrefix}:*`));
  redis.disconnect();
});

describe('kill -9 during npm run import', () => {
  // Three importer starts (Node + tsx, several seconds each under load) and a 10,000-vehicle file: generous.
  it('leaves all or nothing of the file, with a consistent index', { timeout: 240_000 }, async () => {
    // First kill: as soon as the importer has connected (it still validates); second: the moment Redis
    // shows its connection inside the MULTI that writes the file (or as close to it as polling gets).
    const outcomes: string[] = [];
    for (const moment of ['connected', 'in-transaction'] as const) {
      const started = Date.now();
      const run = startImport('vehicles', join(dir, 'vehicles.json'));
      const seen = await waitFor(async () => {
        if (run.child.exitCode !== null) return 'exited';
        // Every node's clients: on a cluster the importer connects to each master, and its MULTI runs on the one
        // holding the registry's slot.
        const lists = await Promise.all(redisNodes(redis).map((node) => node.client('LIST') as Promise<string>));
        const lines = lists.flatMap((list) => list.split('\n')).filter((l) => l.includes('name=fleet-import'));
        if (!lines.length) return undefined;
        if (moment === 'connected') return 'connected';
        for (const line of lines) {
          const multi = Number(/ multi=(-?\d+)/.exec(line)?.[1] ?? -1);
          if (multi >= 0 || / cmd=(multi|exec|hset)/.test(line)) return `in-transaction (multi=${multi})`;
        }
        return undefined;
      }, { intervalMs: 2, timeoutMs: 60_000, what: `importer ${moment}` });
      run.child.kill('SIGKILL');
      await run.exit;
      const stored = await consistent();
      expect([0, VEHICLES]).toContain(stored);
      outcomes.push(`${seen} after ${Date.now() - started} ms → ${stored}`);
    }
    console.log(`kill -9 outcomes: ${outcomes.join('; ')}`);
    // A full run afterwards completes the file (or finds it complete) and stays consistent.
    const started = Date.now();
    expect(await startImport('vehicles', join(dir, 'vehicles.json')).exit).toBe(0);
    console.log(`full import after the kills: ${Date.now() - started} ms`);
    expect(await consistent()).toBe(VEHICLES);
  });
});
