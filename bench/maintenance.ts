// `npm run bench:maintenance`: due dates and reminders for 100,000 vehicles from the InfluxDB usage roll-up
// (`usage_1d`: 31 days × 100,000 trucks = 3.1 M points, written once into a private influxd under
// .data/bench-maintenance and reused), a private Redis with the registry, plans and service history. Times a
// full due scan (first: raises the reminders; second: steady state, nothing new to raise) and an incremental
// scan after 1,000 vehicles' history changed. Not a test: prints the numbers for docs/benchmarks.md.
// Set-up: the first run writes the roll-up and its daily summary into InfluxDB (~11 min at load 4–14: ~6 min the
// roll-up, ~4 min the summary); later runs reuse both and only rebuild the private Redis (a new fleet each run:
// registry, service history, the summary's Redis copy; ~1 min), so one run takes ~2–4 min in all.
//   --vehicles N   fleet size (default 100000)
//   --runs R       full scans to time after the first (default 2)
//   --summarise    recompute the daily window summary even when an earlier run left it
//   --warranty-expired-days D   WARRANTY_EXPIRED_REMIND_DAYS of the scans (default: the product's, 30). The fleet's
//                  warranties ended up to ~4 years ago; 3650 raises "expired" for all of them, as before the window
//                  existed (171,407 reminders in all), for comparing with earlier measurements.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { cstDayStart, DAY_MS } from '../core/maintenance-due.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../core/maintenance-plan.ts';
import type { Vehicle } from '../core/registry.ts';
import { withCheckDigit } from '../core/vin.ts';
import { startInflux, startRedis } from '../infra/local-services.ts';
import { readMaintenanceConfig } from '../infra/maintenance-config.ts';
import { createMaintenanceStore } from '../infra/maintenance-store.ts';
import { createRedis } from '../infra/redis.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createRepairSettingsStore } from '../infra/repair-settings-store.ts';
import { createTelemetryStore, type TelemetryStore } from '../infra/telemetry-store.ts';
import { createDueScanner, type DueScanStats } from '../maintenance/due-scan.ts';
import { createUsageRollup, USAGE_MEASUREMENT } from '../maintenance/usage-rollup.ts';
import { arg } from './args.ts';
import { cpuSeconds } from './proc.ts';
import { createRandom } from '../core/prng.ts';

const VEHICLES = arg('vehicles', 100_000);
const RUNS = arg('runs', 2);
const WARRANTY_EXPIRED_DAYS = process.argv.includes('--warranty-expired-days') ? String(arg('warranty-expired-days', 30)) : undefined;
const DAYS = 31;
const CUSTOMERS = 50;
const DB = 'bench_maintenance';
const root = join(process.cwd(), '.data', 'bench-maintenance');
/** The roll-up is written for the 31 days before this day; the scans run at its 01:00 China time. */
const TODAY = cstDayStart(Date.UTC(2026, 10, 28, 12));
const NOW = TODAY + 3600_000;
const signature = `v${VEHICLES}d${DAYS}t${TODAY}v1`;
const vinOf = (i: number) => withCheckDigit(`LFWBENCH0${String(i).padStart(8, '0')}`);

function rnd(seed: number): () => number {
  const random = createRandom(seed);
  return () => random.next();
}

/** Per truck: odometer at the start and km per day (200–900), engine hours at ~60 km/h; some days idle. */
function truck(i: number) {
  const r = rnd(i + 1);
  return { startKm: 20_000 + r() * 500_000, kmPerDay: 200 + r() * 700, r };
}

async function writeRollup(store: TelemetryStore): Promise<void> {
  const t0 = performance.now();
  let lines: string[] = [];
  let written = 0;
  for (let i = 0; i < VEHICLES; i++) {
    const t = truck(i);
    let km = t.startKm;
    const vin = vinOf(i);
    for (let d = DAYS; d >= 1; d--) {
      if (t.r() < 0.15) continue; // no report that day (idle or offline)
      km += t.kmPerDay * (0.7 + t.r() * 0.6);
      lines.push(`${USAGE_MEASUREMENT},customer=C${i % CUSTOMERS},vin=${vin} odometerKm=${km.toFixed(1)},engineHours=${(km / 60).toFixed(1)},lat=31.8,lon=117.2 ${TODAY - d * DAY_MS}`);
    }
    if (lines.length >= 50_000) {
      await store.write(lines);
      written += lines.length;
      lines = [];
      if ((i + 1) % 10_000 < 2) console.log(`  ${i + 1}/${VEHICLES} trucks, ${written.toLocaleString()} roll-up points, ${Math.round(written / ((performance.now() - t0) / 1000)).toLocaleString()} points/s`);
    }
  }
  await store.write(lines);
  await store.write([`bench_meta,signature=${signature} done=1 ${TODAY}`]);
}

function row(label: string, s: DueScanStats, cpu: { influx: number; redis: number; node: number }): string {
  const f = (ms: number) => (ms / 1000).toFixed(2);
  return `| ${label} | ${s.vehicles.toLocaleString()} | **${f(s.ms.total)} s** | ${f(s.ms.read)} | ${f(s.ms.compute)} | ${f(s.ms.write)} | ${s.remindersRaised.toLocaleString()} | ${s.dueSoon.toLocaleString()} / ${s.overdue.toLocaleString()} | ${cpu.node.toFixed(1)} s | ${cpu.redis.toFixed(1)} s | ${cpu.influx.toFixed(1)} s | ${loadavg()[0]!.toFixed(1)} |`;
}

async function main(): Promise<void> {
  console.log(`/proc/loadavg at start: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  mkdirSync(root, { recursive: true });
  const influx = await startInflux({ dir: join(root, 'influxd') });
  const redisDir = join(root, 'redis');
  rmSync(redisDir, { recursive: true, force: true });
  const redisService = await startRedis({ dir: redisDir });
  const redis = createRedis({ redisMode: 'standalone', redisUrl: redisService.url }, 'worker');
  try {
    const telemetry = createTelemetryStore({ version: 1, url: influx.url, database: DB }, { timeoutMs: 1_200_000 });
    await telemetry.ensureDatabase();
    const done = await telemetry.query(`SELECT last(done) FROM bench_meta WHERE signature = '${signature}'`).catch(() => []);
    if (done.length > 0) console.log(`roll-up ${signature} already in ${join(root, 'influxd')} (reused)`);
    else {
      console.log(`writing the usage roll-up: ${VEHICLES.toLocaleString()} trucks × ${DAYS} days`);
      await writeRollup(telemetry);
    }

    const prefix = 'bench';
    const registry = createRegistryStore({ redis, prefix });
    const store = createMaintenanceStore({ redis, prefix });
    await store.putPlans(DEFAULT_MAINTENANCE_PLANS);
    await registry.putMany('customer', Array.from({ length: CUSTOMERS }, (_, c) => ({ id: `C${c}`, name: `Customer ${c}`, active: true })));
    const vehicles: Vehicle[] = Array.from({ length: VEHICLES }, (_, i) => ({
      vin: vinOf(i), customerId: `C${i % CUSTOMERS}`, model: '6x4 tractor 460 hp', plate: `皖A${String(i).padStart(5, '0')}`,
      inServiceDate: `20${22 + (i % 4)}-${String(1 + (i % 12)).padStart(2, '0')}-15`, active: true,
    }));
    for (let i = 0; i < vehicles.length; i += 5000) await registry.putMany('vehicle', vehicles.slice(i, i + 5000));
    // Service history: every truck had each item serviced at some point in the last months.
    const s0 = performance.now();
    const items = DEFAULT_MAINTENANCE_PLANS[0]!.items.map((i) => i.id);
    for (let i = 0; i < VEHICLES; i += 2000) {
      await Promise.all(vehicles.slice(i, i + 2000).map((v, k) => {
        const t = truck(i + k);
        return store.recordService({ id: `svc-${v.vin}`, vin: v.vin, customerId: v.customerId, atMs: TODAY - (40 + ((i + k) % 120)) * DAY_MS, odometerKm: Math.round(t.startKm - 5_000 - ((i + k) % 30) * 500), engineHours: Math.round(t.startKm / 60 - 100), items, source: 'manual', recordedAt: TODAY, recordedBy: 'bench' });
      }));
    }
    console.log(`registry + service history for ${VEHICLES.toLocaleString()} vehicles stored in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    // The raw-to-roll-up step is not part of this measurement: the roll-up is complete up to today.
    await redis.set(store.keys.maintUsageWatermark, String(TODAY));

    const usage = createUsageRollup({ telemetry, redis, prefix }, { lagMs: 1800_000, redoDays: 0, backfillDays: 31 });
    // A new scanner is a (re)started scheduler process: it knows only what Redis holds.
    const newScanner = () => createDueScanner({ store, registry, usage, warranty: createRepairSettingsStore({ redis, prefix }), rules: readMaintenanceConfig(WARRANTY_EXPIRED_DAYS === undefined ? {} : { WARRANTY_EXPIRED_REMIND_DAYS: WARRANTY_EXPIRED_DAYS }).rules });
    const scanner = newScanner();
    const influxPid = influx.child.pid!;
    const redisPid = redisService.child.pid!;
    // The roll-up's daily step that the scans read: the 30-day window summary (one point per truck). Timed on its own:
    // it runs once a day in the background, not in a scan.
    const w0 = performance.now();
    const wi0 = cpuSeconds(influxPid);
    const present = await telemetry.query(`SELECT count(lastKm) FROM usage_30d WHERE time = ${TODAY - DAY_MS}ms`).catch(() => []);
    let summaryLine: string;
    if (present.length > 0 && Number(present[0]!.count) >= VEHICLES * 0.9 && !process.argv.includes('--summarise')) {
      summaryLine = `daily window summary (usage_30d): reused from an earlier run (--summarise to time it again)`;
    } else {
      await usage.summarise(TODAY - DAY_MS);
      summaryLine = `daily window summary (usage_30d) for ${VEHICLES.toLocaleString()} trucks: ${((performance.now() - w0) / 1000).toFixed(1)} s wall, influxd CPU ${(cpuSeconds(influxPid) - wi0).toFixed(1)} s`;
    }
    console.log(summaryLine);
    // The scan reads the summary's Redis copy (written by the daily summary step); this fresh Redis gets it from
    // the stored usage_30d, as a scheduler does after Redis lost it. Also daily background work, timed on its own.
    const m0 = performance.now();
    const mi0 = cpuSeconds(influxPid);
    await usage.rollUp(NOW);
    const mirrorLine = `Redis copy of the summary (from usage_30d, once a day): ${((performance.now() - m0) / 1000).toFixed(1)} s wall, influxd CPU ${(cpuSeconds(influxPid) - mi0).toFixed(1)} s`;
    console.log(mirrorLine);
    const rows: string[] = [];
    const measure = async (label: string, mode: 'full' | 'incremental', by = scanner) => {
      const i0 = cpuSeconds(influxPid);
      const r0 = cpuSeconds(redisPid);
      const c0 = process.cpuUsage();
      const stats = await by.run(NOW, mode);
      const c = process.cpuUsage(c0);
      rows.push(row(label, stats, { influx: cpuSeconds(influxPid) - i0, redis: cpuSeconds(redisPid) - r0, node: (c.user + c.system) / 1e6 }));
      console.log(`${label}: ${JSON.stringify(stats)}`);
      return stats;
    };
    await redis.config('RESETSTAT');
    await measure('full, first (raises reminders)', 'full');
    // Where Redis spent the first scan (microseconds per command inside the claim scripts included).
    const stats = (await redis.info('commandstats')).split('\n').filter((l) => l.startsWith('cmdstat_'))
      .map((l) => /^cmdstat_(\w+):calls=(\d+),usec=(\d+)/.exec(l)).filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ cmd: m[1]!, calls: Number(m[2]), s: Number(m[3]) / 1e6 })).sort((a, b) => b.s - a.s).slice(0, 8);
    console.log(`Redis commands of the first scan: ${stats.map((c) => `${c.cmd} ${c.calls.toLocaleString()} calls ${c.s.toFixed(2)} s`).join('; ')}`);
    for (let r = 0; r < RUNS; r++) await measure(`full, steady state ${r + 1}`, 'full');
    await measure('full, steady state, restarted scheduler', 'full', newScanner());
    // 1,000 vehicles get a new service: the incremental scan reads only them.
    await Promise.all(vehicles.slice(0, 1000).map((v, k) => store.recordService({
      id: `svc2-${v.vin}`, vin: v.vin, customerId: v.customerId, atMs: TODAY - DAY_MS, odometerKm: Math.round(truck(k).startKm + 40_000), items: ['engine-oil'], source: 'manual', recordedAt: TODAY, recordedBy: 'bench',
    })));
    await measure('incremental, 1,000 changed', 'incremental');
    await measure('incremental, nothing changed', 'incremental');

    console.log('');
    console.log(summaryLine);
    console.log(mirrorLine);
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; influxd 1.6.7 and Redis 7 (local-services); /proc/loadavg: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    console.log('| scan | vehicles | total | waiting for reads (s) | compute (s) | waiting for claims + writes (s) | reminders raised | due soon / overdue | Node CPU | Redis CPU | influxd CPU | load avg |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    redis.disconnect();
    await redisService.stop();
    await influx.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
