// `npm run bench:coverage`: 1,000 trucks × 7 days × one position per 30 s (~20 M points) in a private
// influxd (data directory kept under .data/bench-coverage between runs), then the coverage answer
// cold (no cache) and warm (Redis cache) on that history. Not a test: prints the numbers for docs/benchmarks.md.
//   --trucks N --days D --step S   fleet size (default 1000, 7, 30)
//   --runs R                       cold answers to time (default 3)
//   --write-only                   stop after the history is in the database
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { DEFAULT_ETA_MODEL } from '../core/eta.ts';
import { redisKeys } from '../core/keys.ts';
import type { Assignment, Customer, Vehicle } from '../core/registry.ts';
import { createCoverageHistory } from '../infra/coverage-history.ts';
import { createCoverageService } from '../coverage/coverage-service.ts';
import { startInflux, startRedis } from '../infra/local-services.ts';
import { createRedis } from '../infra/redis.ts';
import { loadRegionMap } from '../infra/regions-data.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createTelemetryStore, type TelemetryStore } from '../infra/telemetry-store.ts';
import { loadChinaCities } from '../simulators/cities.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork } from '../simulators/network.ts';
import { benchVin, truckHistoryLines, type FleetHistoryOptions } from './coverage-fleet.ts';
import { arg } from './args.ts';

const fleet: FleetHistoryOptions = {
  trucks: arg('trucks', 1000),
  days: arg('days', 7),
  stepS: arg('step', 30),
  seed: 1,
  startMs: Date.UTC(2026, 10, 9, 0, 0, 0),
  customerId: 'bench-logistics',
};
const DB = 'bench_coverage';
const root = join(process.cwd(), '.data', 'bench-coverage');
const signature = `t${fleet.trucks}d${fleet.days}s${fleet.stepS}seed${fleet.seed}v1`;

async function historyComplete(store: TelemetryStore): Promise<boolean> {
  const rows = await store.query(`SELECT last(done) FROM bench_meta WHERE signature = '${signature}'`);
  return rows.length > 0;
}

async function writeHistory(store: TelemetryStore): Promise<number> {
  const cities = loadChinaCities();
  const started = performance.now();
  let written = 0;
  let next = 0;
  // Two writers in flight keep influxd busy while the next truck's lines are generated.
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= fleet.trucks) return;
      const lines = truckHistoryLines(i, cities, fleet);
      for (let k = 0; k < lines.length; k += 10_000) await store.write(lines.slice(k, k + 10_000));
      written += lines.length;
      if ((i + 1) % 50 === 0) {
        const s = (performance.now() - started) / 1000;
        console.log(`  ${i + 1}/${fleet.trucks} trucks, ${written.toLocaleString()} points, ${Math.round(written / s).toLocaleString()} points/s`);
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  await store.write([`bench_meta,signature=${signature} done=1i,points=${written}i ${Date.now()}`]);
  console.log(`wrote ${written.toLocaleString()} points in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return written;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU time (ms) a process has used so far (Linux /proc). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measure(store: TelemetryStore, redisUrl: string, influxPid: number): Promise<void> {
  const runs = arg('runs', 3);
  const redis = createRedis({ redisMode: 'standalone', redisUrl }, 'fail-fast');
  const prefix = 'bench';
  const keys = redisKeys(prefix);
  const registry = createRegistryStore({ redis, prefix });
  try {
    // The generated 700-station network, the bench customer with its 1,000 trucks and the first
    // generated customer's fixed points (valid heavy-duty stations) as its own.
    const network = generateNetwork(loadChinaCities(), DEFAULT_NETWORK_OPTIONS);
    await registry.putMany('station', network.stations);
    await registry.putMany('depot', network.depots);
    await registry.putMany('advisor', network.advisors);
    const customer: Customer = { id: fleet.customerId, name: 'Bench Logistics', active: true };
    await registry.put('customer', customer);
    const vehicles: Vehicle[] = Array.from({ length: fleet.trucks }, (_, i) => ({ vin: benchVin(i), customerId: customer.id, active: true }));
    await registry.putMany('vehicle', vehicles);
    for (const a of network.assignments[0]?.assignments ?? []) {
      const assignment: Assignment = { ...a, assignedBy: 'bench', reason: 'bench fixed points' };
      await registry.assign(customer.id, assignment);
    }
    const regions = loadRegionMap();
    const history = createCoverageHistory({ telemetry: store, redis, prefix });
    // The roll-ups (what a continuous query would maintain): built once here, then kept current
    // incrementally by the API. Timed separately: it is not part of answering a request.
    const r0 = performance.now();
    await history.rollUp();
    const rollupMs = performance.now() - r0;
    console.log(`roll-up of the whole history (one-off; incremental afterwards): ${(rollupMs / 1000).toFixed(1)} s`);
    const r1 = performance.now();
    await history.rollUp();
    console.log(`incremental roll-up run (redoes the last 6 h): ${(performance.now() - r1).toFixed(0)} ms`);
    const service = createCoverageService({ redis, prefix, registry, history, regions }, { etaModel: DEFAULT_ETA_MODEL, cacheTtlS: 3600 });
    const req = {
      customerId: customer.id,
      fromMs: fleet.startMs,
      toMs: fleet.startMs + fleet.days * 86_400_000,
      thresholdMin: 60,
      capability: 'heavy-duty' as const,
    };

    const timings: number[] = [];
    const rows: string[] = [];
    let report: Awaited<ReturnType<typeof service.coverage>> | undefined;
    for (let run = 0; run < runs; run++) {
      await redis.incr(keys.registryVersion('station')); // a station change: the cached answer is stale
      const i0 = processCpuMs(influxPid);
      const q0 = performance.now();
      const downsampled = await history.positions({ customerId: customer.id, fromMs: req.fromMs, toMs: req.toMs, vehicles: fleet.trucks });
      const queryMs = performance.now() - q0;
      const queryInfluxCpu = processCpuMs(influxPid) - i0;
      const c0 = performance.now();
      const cpu0 = cpuMs();
      const i1 = processCpuMs(influxPid);
      report = await service.coverage(req);
      const totalMs = performance.now() - c0;
      const cpu = cpuMs() - cpu0;
      const influxCpu = processCpuMs(influxPid) - i1;
      timings.push(totalMs);
      const load = loadavg()[0]!.toFixed(1);
      rows.push(`| ${run + 1} | ${(totalMs / 1000).toFixed(1)} s | ${(cpu / 1000).toFixed(1)} s | ${(influxCpu / 1000).toFixed(1)} s | ${(queryMs / 1000).toFixed(1)} s / ${(queryInfluxCpu / 1000).toFixed(1)} s | ${load} |`);
      console.log(
        `cold run ${run + 1}: answer ${totalMs.toFixed(0)} ms wall, Node CPU ${cpu.toFixed(0)} ms, influxd CPU ${influxCpu} ms; ` +
          `query alone ${queryMs.toFixed(0)} ms wall / influxd CPU ${queryInfluxCpu} ms → ${downsampled.samples.length.toLocaleString()} rows ` +
          `(window ${downsampled.windowMs / 60_000} min); load average ${load}`,
      );
    }
    console.log('| run | answer (wall) | Node CPU | influxd CPU | query alone (wall / influxd CPU) | load avg (1 min) |');
    console.log('|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
    const w0 = performance.now();
    const warm = await service.coverage(req);
    const warmMs = performance.now() - w0;
    if (!warm.cached) throw new Error('second identical request was not served from the cache');

    await redis.incr(keys.registryVersion('station'));
    const p0 = performance.now();
    const pre = await service.prepositioning({ ...req, k: 5 });
    const preMs = performance.now() - p0;
    const s0 = performance.now();
    const sug = await service.suggestions({ customerId: customer.id, fromMs: req.fromMs, toMs: req.toMs });
    const sugMs = performance.now() - s0;
    const g0 = performance.now();
    const geo = await service.coverageGeoJson(req);
    const geoMs = performance.now() - g0;

    const r = report!;
    const sorted = [...timings].sort((a, b) => a - b);
    console.log('');
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; influxd 1.6.7 (local-services), Redis cache`);
    console.log(`history: ${fleet.trucks} trucks × ${fleet.days} days × every ${fleet.stepS} s (${signature})`);
    console.log(`coverage (cold, ${runs} runs): median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, max ${sorted[sorted.length - 1]!.toFixed(0)} ms`);
    console.log(`  → ${r.trucks} trucks, ${r.samples.toLocaleString()} samples (window ${r.windowMin} min), ${r.stretches.toLocaleString()} stretches, ` +
      `${r.overall.km.toFixed(0)} km, covered ${(r.overall.kmShare * 100).toFixed(1)} % of km / ${(r.overall.hoursShare * 100).toFixed(1)} % of hours; ` +
      `fixed points only ${r.fixedPoint ? (r.fixedPoint.kmShare * 100).toFixed(1) + ' %' : 'n/a'}; ${r.gapsTotal} gaps; ${r.regions.length} regions`);
    console.log(`coverage (warm, Redis cache): ${warmMs.toFixed(1)} ms`);
    console.log(`pre-positioning k=5 (cold): ${preMs.toFixed(0)} ms; first pick ${pre.picks[0]?.site.name ?? '-'} +${pre.picks[0]?.gainKm.toFixed(0) ?? 0} km`);
    console.log(`fixed-point suggestions (cold): ${sugMs.toFixed(0)} ms for ${sug.regions.length} regions`);
    console.log(`geojson (cold): ${geoMs.toFixed(0)} ms, ${geo.features.length} features`);
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  mkdirSync(root, { recursive: true });
  const influx = await startInflux({ dir: join(root, 'influxd') });
  const redisDir = join(root, 'redis');
  rmSync(redisDir, { recursive: true, force: true });
  const redis = await startRedis({ dir: redisDir });
  try {
    const store = createTelemetryStore({ version: 1, url: influx.url, database: DB }, { timeoutMs: 120_000 });
    await store.ensureDatabase();
    if (await historyComplete(store)) {
      console.log(`history ${signature} already in ${join(root, 'influxd')} (reused)`);
    } else {
      console.log(`writing history ${signature}: ${fleet.trucks} trucks × ${fleet.days} days × every ${fleet.stepS} s`);
      await writeHistory(store);
    }
    if (process.argv.includes('--write-only')) return;
    await measure(store, redis.url, influx.child.pid!);
  } finally {
    await redis.stop();
    await influx.stop();
  }
}

await main();
