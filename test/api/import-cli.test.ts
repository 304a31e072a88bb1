// `npm run import` as operators run it: a real child process against the harness Redis, on files of the
// network generator. Idempotent re-import; a bad row refuses the whole file.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { loadChinaCities } from '../../simulators/cities.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork, serializeNetworkFile } from '../../simulators/network.ts';
import { clearNamespace, testServices } from '../harness/context.ts';

const services = testServices('importcli');
const keys = redisKeys(services.redisPrefix);
let redis: Redis;
let dir: string;


function importCli(kind: string, file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', kind, file], { env: services.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

beforeAll(async () => {
  redis = createRedis(services, 'fail-fast');
  dir = mkdtempSync(join(tmpdir(), 'import-cli-'));
  const network = generateNetwork(loadChinaCities(), { ...DEFAULT_NETWORK_OPTIONS, stations: 300, vehicles: 200, customers: 3, advisors: 5 });
  writeFileSync(join(dir, 'stations.json'), serializeNetworkFile(network.stations));
  writeFileSync(join(dir, 'bad-stations.csv'),
    'id,name,lat,lon,region,hours,capabilities,vans,rating,partsCategories\n' +
    'OK1,Fine,31.8,117.2,340100,24h,heavy-duty,2,4,engine\n' +
    'BAD1,Broken,31.8,117.2,340100,25h,heavy-duty;flying,2,4,engine\n');
});
afterAll(async () => {
  await clearNamespace(redis, services);
  redis.disconnect();
});

describe('npm run import', () => {
  it('imports the generated stations, and re-importing is a no-op', async () => {
    const first = await importCli('stations', join(dir, 'stations.json'));
    expect(first.out).toMatch(/imported 300 stations .* 300 created, 0 updated, 0 unchanged/);
    expect(first.code).toBe(0);
    expect(await redis.hlen(keys.registry('station'))).toBe(300);
    const version = await redis.get(keys.registryVersion('station'));
    const again = await importCli('stations', join(dir, 'stations.json'));
    expect(again.out).toMatch(/0 created, 0 updated, 300 unchanged/);
    expect(await redis.get(keys.registryVersion('station'))).toBe(version);
  });

  it('reports row-level problems of a CSV file and imports none of it', async () => {
    const bad = await importCli('stations', join(dir, 'bad-stations.csv'));
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('row 2 (BAD1): hours');
    expect(bad.out).toContain('row 2 (BAD1): capabilities.1 must be one of');
    expect(bad.out).toContain('1 of 2 rows');
    expect(await redis.hexists(keys.registry('station'), 'OK1')).toBe(0);
  });

  it('refuses an unknown kind with the usage line', async () => {
    const res = await importCli('trucks', join(dir, 'stations.json'));
    expect(res.code).toBe(64);
    expect(res.out).toMatch(/unknown kind "trucks"[\s\S]*usage: npm run import/);
  });
});
