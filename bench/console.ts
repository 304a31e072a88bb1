// `npm run bench:console`: the web console at national scale. With the API as its own process
// (api/main.ts, serving console/dist) on private Redis / InfluxDB / Mosquitto, the generated network with
// --vehicles N trucks (default 10,000), every one with a live position:
//   1. GET /v1/fleet/live for all N trucks as an admin: server time (the API's own
//      http_request_duration_seconds for that route, from /metrics) and the time the client saw;
//   2. the admin's fleet view in headless Chromium: navigation start → every truck drawn (the view's
//      `fleet:first-paint` mark), and first contentful paint;
//   3. the API requests each view issues when opened in a fresh tab, per role.
// Not a test: prints the numbers for docs/benchmarks.md (## Console). Needs `npm run build:console` first.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { redisKeys } from '../core/keys.ts';
import { freePort, startInflux, startMosquitto, startRedis, type LocalService } from '../infra/local-services.ts';
import { signToken } from '../infra/jwt.ts';
import { createRedis } from '../infra/redis.ts';
import { loadRegionMap } from '../infra/regions-data.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createRegistryImporter } from '../registry/importer.ts';
import { loadChinaCities } from '../simulators/cities.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork } from '../simulators/network.ts';
import { arg } from './args.ts';

const VEHICLES = arg('vehicles', 10_000);
const ROUNDS = arg('rounds', 30);
const OLD_PATH_ROUNDS = arg('old-rounds', 10);
const PREFIX = 'benchconsole';
const OLD_LIVE_COLUMNS = ['lat', 'lon', 'speedKmh', 'heading', 'status', 'severity', 'lastSeen', 'ts'];
const OLD_READ_LIVE_COLUMNS = `
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, unpack(ARGV))
  for j = 1, #ARGV do v[j] = v[j] or '' end
  out[i] = table.concat(v, '\\t')
end
return table.concat(out, '\\n')`;
const JWT = { secret: 'bench-console-jwt-secret-long-enough-0123456789' };

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').trim();
}

/** CPU time (user + system) a process has used, ms (Linux /proc; clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time Redis has used, ms (INFO cpu). */
async function redisCpuMs(redis: { info(section: string): Promise<string> }): Promise<number> {
  const info = await redis.info('cpu');
  const fields = new Map(info.split(/\r?\n/).map((line) => line.split(':') as [string, string]));
  const read = (name: string) => Number(fields.get(name));
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1000;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Sum and count of the API's own request-duration histogram for one route. */
async function routeSeconds(base: string, route: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const pick = (suffix: string) => text.split('\n')
    .filter((l) => l.startsWith(`http_request_duration_seconds_${suffix}{`) && l.includes(`route="${route}"`) && l.includes('status="200"'))
    .reduce((acc, l) => acc + Number(l.split(' ').pop()), 0);
  return { sum: pick('sum'), count: pick('count') };
}

async function main(): Promise<void> {
  if (!existsSync('console/dist/index.html')) throw new Error('build the console first: npm run build:console');
  const dir = mkdtempSync(join(tmpdir(), 'bench-console-'));
  const services: LocalService[] = [];
  let api: ReturnType<typeof spawn> | undefined;
  const browserProfile = mkdtempSync(join(tmpdir(), 'bench-console-chromium-'));
  try {
    const accounts = { ingester: { username: 'ingester', password: 'bench-ingester' }, ops: { username: 'ops', password: 'bench-ops' } };
    const [redisService, influx, mosquitto] = await Promise.all([
      startRedis({ dir: join(dir, 'redis') }),
      startInflux({ dir: join(dir, 'influx') }),
      startMosquitto({ dir: join(dir, 'mosquitto'), accounts }),
    ]);
    services.push(redisService, influx, mosquitto);

    const redis = createRedis({ redisMode: 'standalone', redisUrl: redisService.url }, 'fail-fast');
    const registry = createRegistryStore({ redis, prefix: PREFIX });
    const importer = createRegistryImporter({ registry, regions: loadRegionMap() });
    const network = generateNetwork(loadChinaCities(), { ...DEFAULT_NETWORK_OPTIONS, vehicles: VEHICLES });
    for (const [kind, rows] of [['advisor', network.advisors], ['customer', network.customers], ['station', network.stations], ['depot', network.depots], ['vehicle', network.vehicles]] as const) {
      const report = await importer.importRows(kind, rows);
      if (report.problems.length) throw new Error(`import ${kind}: ${JSON.stringify(report.problems.slice(0, 3))}`);
    }
    const assigned = await importer.importAssignments(network.assignments, 'bench');
    if (assigned.problems.length) throw new Error(`assignments: ${JSON.stringify(assigned.problems.slice(0, 3))}`);
    const keys = redisKeys(PREFIX);
    const pipeline = redis.pipeline();
    network.vehicles.forEach((v, i) => {
      const at = network.stations[i % network.stations.length]!;
      pipeline.hset(keys.live(v.vin), {
        customerId: v.customerId, ts: String(Date.now()), lat: String(at.lat + ((i % 7) - 3) * 0.03), lon: String(at.lon + ((i % 5) - 2) * 0.03),
        speedKmh: String((i * 7) % 95), heading: String((i * 37) % 360), dtcs: '[]', severity: i % 211 === 0 ? 'critical' : i % 53 === 0 ? 'warning' : 'none',
        lastSeen: String(Date.now()), status: i % 17 === 0 ? 'offline' : 'online', statusTs: String(Date.now()),
      });
    });
    await pipeline.exec();
    // What each request did before the in-process live table (fleet/live-table.ts): read the live columns of
    // every truck from Redis (one multi-key Lua HMGET per 2,000 trucks) and build the answer. Timed here, in
    // this process, as the "old path" to compare with the route's server time in the same run.
    const vins = network.vehicles.map((v) => v.vin).sort();
    const oldPath: number[] = [];
    const oldCpuStart = process.cpuUsage();
    const oldRedisCpuStart = await redisCpuMs(redis);
    for (let i = 0; i < OLD_PATH_ROUNDS; i++) {
      const started = performance.now();
      const rows = (await Promise.all(Array.from({ length: Math.ceil(vins.length / 2000) }, (_, b) => {
        const slice = vins.slice(b * 2000, (b + 1) * 2000);
        return (redis.eval(OLD_READ_LIVE_COLUMNS, slice.length, ...slice.map((v) => keys.live(v)), ...OLD_LIVE_COLUMNS) as Promise<string>)
          .then((text) => text.split('\n').map((line) => line.split('\t')));
      }))).flat();
      const json = JSON.stringify({ items: rows.map((r, j) => ({ vin: vins[j], lat: Number(r[0]), lon: Number(r[1]), speed: Number(r[2]), heading: Number(r[3]), status: r[4], severity: r[5] || 'none', lastSeen: Number(r[6]), ts: Number(r[7]) })) });
      if (json.length < vins.length) throw new Error('old path read nothing');
      oldPath.push(performance.now() - started);
    }
    const oldCpu = process.cpuUsage(oldCpuStart);
    const oldCpuMs = ((oldCpu.user + oldCpu.system) / 1000 + (await redisCpuMs(redis)) - oldRedisCpuStart) / OLD_PATH_ROUNDS;
    oldPath.sort((a, b) => a - b);

    const port = await freePort();
    api = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        REDIS_URL: redisService.url, REDIS_PREFIX: PREFIX, INFLUX_URL: influx.url, INFLUX_DB: 'bench',
        MQTT_URL: mosquitto.url, MQTT_USERNAME: 'ops', MQTT_PASSWORD: 'bench-ops',
        API_PORT: String(port), API_HOST: '127.0.0.1', JWT_SECRET: JWT.secret, LOG_LEVEL: 'warn',
        // The production default: the views must stay under it.
        API_RATE_LIMIT_MAX: '600',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/health`).then((r) => r.status === 200, () => false)) break;
      if (i > 1200) throw new Error('API did not become healthy in 2 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    const loadAtStart = loadAverage();

    // 1. GET /v1/fleet/live, all trucks in one answer (a fresh caller per request: the limiter is per caller).
    const client: number[] = [];
    let trucks = 0;
    let bytes = 0;
    const warm = await signToken(JWT, { sub: 'bench-warm', role: 'admin' });
    // The first request after a start loads the live table (every live hash once).
    const coldStarted = performance.now();
    await fetch(`${base}/v1/fleet/live`, { headers: { authorization: `Bearer ${warm}` } }).then((r) => r.text());
    const coldMs = performance.now() - coldStarted;
    const before = await routeSeconds(base, '/v1/fleet/live');
    const apiCpuBefore = processCpuMs(api.pid!);
    const redisCpuBefore = await redisCpuMs(redis);
    for (let i = 0; i < ROUNDS; i++) {
      const token = await signToken(JWT, { sub: `bench-admin-${i}`, role: 'admin' });
      const started = performance.now();
      const res = await fetch(`${base}/v1/fleet/live`, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.text();
      client.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`fleet/live answered ${res.status}`);
      bytes = body.length;
      trucks = (JSON.parse(body) as { items: unknown[] }).items.length;
    }
    const apiCpuMs = (processCpuMs(api.pid!) - apiCpuBefore) / ROUNDS;
    const newRedisCpuMs = ((await redisCpuMs(redis)) - redisCpuBefore) / ROUNDS;
    redis.disconnect();
    const after = await routeSeconds(base, '/v1/fleet/live');
    const serverMeanMs = ((after.sum - before.sum) / (after.count - before.count)) * 1000;
    client.sort((a, b) => a - b);

    // 2 + 3. Chromium: first paint of the admin's fleet, requests per view.
    const context = await chromium.launchPersistentContext(browserProfile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
      viewport: { width: 1280, height: 800 },
    });
    const openView = async (token: string, hash: string, ready: (p: Page) => Promise<void>) => {
      const page = await context.newPage();
      await page.addInitScript((tk) => sessionStorage.setItem('fleet-console.token', tk), token);
      const requests: string[] = [];
      page.on('request', (r) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith('/v1/') && url.pathname !== '/v1/events') requests.push(`${r.method()} ${url.pathname}`);
      });
      await page.goto(`${base}/console/${hash}`);
      await ready(page);
      // The event stream stays open, so "network idle" never comes; a second to let late requests show.
      // (Waiting 30 s would also count the views' 30 s safety poll.)
      await page.waitForTimeout(1000);
      return { page, requests };
    };
    const paints: number[] = [];
    const fcps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const token = await signToken(JWT, { sub: `bench-paint-${i}`, role: 'admin' });
      const { page } = await openView(token, '#/fleet', async (p) => {
        await p.waitForFunction(() => performance.getEntriesByName('fleet:first-paint').length > 0, undefined, { timeout: 30_000 });
      });
      const shown = Number(await page.getByTestId('fleet-map').getAttribute('data-shown'));
      if (shown !== VEHICLES) throw new Error(`the map shows ${shown} trucks, not ${VEHICLES}`);
      paints.push(await page.evaluate(() => performance.getEntriesByName('fleet:first-paint')[0]!.startTime));
      fcps.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
      await page.close();
    }

    const customer = network.customers[0]!;
    const advisor = network.assignments[0]?.assignments[0]?.advisorId ?? network.advisors[0]!.id;
    const station = network.stations[0]!.id;
    const views: Array<{ role: string; claims: Record<string, string>; hash: string }> = [
      { role: 'admin', claims: {}, hash: '#/fleet' },
      { role: 'admin', claims: {}, hash: '#/admin/stations' },
      { role: 'admin', claims: {}, hash: '#/admin/assignments' },
      { role: 'agent', claims: {}, hash: '#/queue' },
      { role: 'agent', claims: {}, hash: '#/launch' },
      { role: 'agent', claims: {}, hash: `#/trucks/${network.vehicles[0]!.vin}` },
      { role: 'advisor', claims: { advisorId: advisor }, hash: '#/fleet' },
      { role: 'customer', claims: { customerId: customer.id }, hash: '#/fleet' },
      { role: 'customer', claims: { customerId: customer.id }, hash: '#/coverage' },
      { role: 'customer', claims: { customerId: customer.id }, hash: '#/kpis' },
      { role: 'station', claims: { stationId: station }, hash: '#/offers' },
    ];
    const perView: string[] = [];
    let worst = 0;
    for (const [i, v] of views.entries()) {
      const token = await signToken(JWT, { sub: `bench-view-${i}`, role: v.role, ...v.claims } as never);
      try {
        const { page, requests } = await openView(token, v.hash, async (p) => {
          await p.locator('main h1').first().waitFor({ timeout: 60_000 });
          await p.waitForFunction(() => document.querySelectorAll('[data-loading]').length === 0, undefined, { timeout: 60_000 });
        });
        worst = Math.max(worst, requests.length);
        perView.push(`| ${v.role} | \`${v.hash.replace(/\/LF.*$/, '/{vin}')}\` | ${requests.length} | ${[...new Set(requests)].join(', ')} |`);
        await page.close();
      } catch (err) {
        // A loaded machine can miss the wait: say so for this view and go on.
        perView.push(`| ${v.role} | \`${v.hash.replace(/\/LF.*$/, '/{vin}')}\` | — | not settled in 60 s: ${(err as Error).message.split('\n')[0]} |`);
      }
    }
    await context.close();

    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(`\n## Console (npm run bench:console, ${VEHICLES} trucks)\n`);
    console.log(`load average at start: ${loadAtStart}; at end: ${loadAverage()}`);
    console.log(`GET /v1/fleet/live (${trucks} trucks, ${(bytes / 1024).toFixed(0)} kB JSON): server mean ${serverMeanMs.toFixed(1)} ms (API's own histogram), client median ${ms(quantile(client, 0.5))}, p95 ${ms(quantile(client, 0.95))} over ${ROUNDS} requests`);
    console.log(`first request after the API started (loads the live table): ${ms(coldMs)} client time`);
    console.log(`CPU per request (independent of the load): new path — API process ${apiCpuMs.toFixed(1)} ms + Redis ${newRedisCpuMs.toFixed(1)} ms (rate limit, versions, cases); old path — client ${(oldCpuMs).toFixed(1)} ms incl. Redis; ratio ${(oldCpuMs / (apiCpuMs + newRedisCpuMs)).toFixed(1)}×`);
    console.log(`old path (per-request Redis read of ${vins.length} live hashes + JSON, measured in the bench process): median ${ms(quantile(oldPath, 0.5))}, p95 ${ms(quantile(oldPath, 0.95))} over ${OLD_PATH_ROUNDS}; ratio old median / new server mean ${(quantile(oldPath, 0.5) / serverMeanMs).toFixed(1)}×`);
    console.log(`admin fleet view, ${VEHICLES} trucks: all drawn at ${paints.map(ms).join(', ')} after navigation start; first contentful paint ${fcps.map(ms).join(', ')}`);
    console.log(`requests per view (fresh tab, event stream not counted), worst ${worst}:\n| role | view | requests | which |\n|---|---|---|---|\n${perView.join('\n')}`);
  } finally {
    api?.kill('SIGTERM');
    if (api) await new Promise((r) => api!.once('exit', r));
    for (const s of services.reverse()) await s.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(browserProfile, { recursive: true, force: true });
  }
}

await main();
