// `npm run bench:gateway`: one gateway process holding N concurrent authenticated JT/T 808 terminals
// (default 10,000; the open-files limit here is 20,000 per process), then every terminal sends its locations
// (0x0200, a window of 2 unanswered each) end to end: terminal → gateway → Mosquitto → ingester → InfluxDB.
// Reports: connect + register + authenticate time, gateway RSS (after authentication and peak), location
// frames/s end to end, the gateway's CPU µs per frame beside the ingester's CPU µs per message.
// Starts its own Redis, Mosquitto and InfluxDB on free loopback ports (infra/local-services.ts); the terminals
// run in this process (their CPU competes with the services on a shared machine — see docs/benchmarks.md).
// CPU of both processes from /proc/<pid>/stat over the same window: from the start of the location stream (once
// both are idle after the connect phase) until every point is in InfluxDB.
// Options: --terminals N (10000) --locations N per terminal (20) --keep (keep the temp dir).
// Env: BENCH_CPU_PROF=<dir> (V8 CPU profiles of both services), BENCH_NODE_FLAGS="…" (further node flags for both,
// e.g. --perf-basic-prof for `perf record -g -p <gateway pid>`).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withCheckDigit } from '../core/vin.ts';
import { freePort, startInflux, startMosquitto, startRedis, type LocalService } from '../infra/local-services.ts';
import { createRedis } from '../infra/redis.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createTelemetryStore } from '../infra/telemetry-store.ts';
import { createTerminalStore } from '../infra/terminal-store.ts';
import { createJt808Terminal, type Jt808Terminal } from '../simulators/jt808-terminal.ts';
import { cpuSeconds } from './proc.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const TERMINALS = arg('terminals', 10_000);
const LOCATIONS = arg('locations', 20);
const ROOT = 'fleet/v1';
const PREFIX = 'bench';
const accounts = {
  ingester: { username: 'ingester', password: 'bench-ingester-password' },
  ops: { username: 'ops', password: 'bench-ops-password' },
};
const gatewayAccount = { username: 'gateway', password: 'bench-gateway-password' };
const vins = Array.from({ length: TERMINALS }, (_, i) => withCheckDigit(`LFWJT8080${String(i).padStart(8, '0')}`));
const phone = (i: number) => String(16_000_000_000 + i);

function rssMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function spawnService(script: string, env: Record<string, string>, readyText: string): { child: ChildProcess; ready: Promise<void> } {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each service (for finding the next bottleneck).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_FLAGS: further node flags for both services (e.g. --perf-basic-prof, for `perf record -g -p <pid>`).
  prof.push(...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean));
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(readyText)) resolve();
      if (out.length > 100_000) out = out.slice(-10_000);
    });
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return { child, ready };
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  }));
}

/** Resolves when none of `pids` used more than one clock tick of CPU in half a second (at most 60 s). */
async function settled(pids: Array<number | undefined>): Promise<void> {
  const deadline = performance.now() + 60_000;
  let before = pids.map(cpuSeconds);
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const now = pids.map(cpuSeconds);
    if (now.every((cpu, i) => cpu - before[i]! <= 0.011)) return;
    before = now;
  }
  console.log('(the services did not go idle within 60 s; measuring anyway)');
}

const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
const services: LocalService[] = [];
const children: ChildProcess[] = [];
const terminals: Jt808Terminal[] = [];
try {
  const [redisService, mosquitto, influx] = await Promise.all([
    startRedis({ dir: join(dir, 'redis') }),
    startMosquitto({ dir: join(dir, 'mosquitto'), accounts, gateways: [gatewayAccount] }),
    startInflux({ dir: join(dir, 'influx') }),
  ]);
  services.push(redisService, mosquitto, influx);
  const redis = createRedis({ redisMode: 'standalone', redisUrl: redisService.url }, 'fail-fast');
  await createRegistryStore({ redis, prefix: PREFIX }).putMany('vehicle', vins.map((vin) => ({ vin, customerId: 'bench-customer', active: true })));
  const store = createTerminalStore({ redis, prefix: PREFIX });
  await pool(vins, 50, (vin, i) => store.bind({ id: phone(i), protocol: 'jt808', vin, boundAt: new Date().toISOString() }).then(() => undefined));

  const common = { MQTT_URL: mosquitto.url, MQTT_TOPIC_ROOT: ROOT, REDIS_URL: redisService.url, REDIS_PREFIX: PREFIX, LOG_LEVEL: 'warn' };
  const ingester = spawnService('ingest/main.ts', {
    ...common, LOG_LEVEL: 'info', MQTT_USERNAME: 'ingester', MQTT_PASSWORD: accounts.ingester.password, INFLUX_URL: influx.url, INFLUX_DB: 'gateway',
    INGEST_CLIENT_ID: 'bench-ingester', INGEST_SHARE_GROUP: 'none', INGEST_SPOOL_DIR: join(dir, 'spool'), INGEST_METRICS_PORT: '0',
  }, 'subscribed');
  children.push(ingester.child);
  const port = await freePort();
  const gateway = spawnService('gateway/main.ts', {
    ...common, LOG_LEVEL: 'info', MQTT_USERNAME: gatewayAccount.username, MQTT_PASSWORD: gatewayAccount.password, JT808_HOST: '127.0.0.1',
    JT808_PORT: String(port), JT808_METRICS_PORT: '0', JT808_MAX_CONNECTIONS: '20000', JT808_MAX_CONNECTIONS_PER_ADDRESS: '20000',
    JT808_HEARTBEAT_S: '300',
  }, 'gateway listening');
  children.push(gateway.child);
  await Promise.all([ingester.ready, gateway.ready]);
  const gwPid = gateway.child.pid;
  console.log(`bench:gateway — ${TERMINALS} terminals (2013/2019 alternating), ${LOCATIONS} locations each, node ${process.version}, load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);

  // Phase 1: connect, register, authenticate every terminal.
  const t0 = performance.now();
  const gwCpu0 = cpuSeconds(gwPid);
  await pool(vins, 200, async (vin, i) => {
    const t = createJt808Terminal({ host: '127.0.0.1', port, phone: phone(i), edition: i % 2 ? 2019 : 2013, plate: vin });
    terminals.push(t);
    await t.connect();
    const r = await t.register();
    if (r.result !== 0) throw new Error(`terminal ${phone(i)}: registration result ${r.result}`);
    const a = await t.authenticate();
    if (a !== 0) throw new Error(`terminal ${phone(i)}: authentication result ${a}`);
  });
  const connectS = (performance.now() - t0) / 1000;
  const rssAuthenticated = rssMb(gwPid, 'VmRSS');
  console.log(`${TERMINALS} terminals connected, registered and authenticated in ${connectS.toFixed(1)} s ` +
    `(gateway CPU ${(cpuSeconds(gwPid) - gwCpu0).toFixed(1)} s); gateway RSS ${rssAuthenticated.toFixed(0)} MB`);

  // Phase 2: the location stream, end to end. It starts once both measured processes are idle (the 'online' of
  // every terminal published, recorded and ingested), so neither is charged for the connect phase's tail.
  await settled([gwPid, ingester.child.pid]);
  const influxStore = createTelemetryStore({ version: 1, url: influx.url, database: 'gateway' });
  const total = TERMINALS * LOCATIONS;
  const base = Math.floor(Date.now() / 1000) * 1000 - 24 * 3_600_000;
  const gwBefore = cpuSeconds(gwPid);
  const ingBefore = cpuSeconds(ingester.child.pid);
  const mqBefore = cpuSeconds(mosquitto.child.pid);
  const selfBefore = cpuSeconds(process.pid);
  const started = performance.now();
  let failed = 0;
  let peakRss = rssAuthenticated;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(gwPid, 'VmRSS'))), 500);
  await Promise.all(terminals.map(async (t, n) => {
    const window = new Set<Promise<unknown>>();
    for (let i = 0; i < LOCATIONS; i++) {
      const p: Promise<unknown> = t.location({ lat: 22 + (n % 1000) / 100, lon: 108 + i / 1000, ts: base + i * 1000, speedKmh: 70, heading: 90, mileageKm: 5000 + i })
        .then((r) => {
          if (r !== 0) failed++;
        })
        .finally(() => window.delete(p));
      window.add(p);
      if (window.size >= 2) await Promise.race(window);
    }
    await Promise.all(window);
  }));
  const answered = (performance.now() - started) / 1000;
  const gwCpuAnswered = cpuSeconds(gwPid) - gwBefore;
  for (;;) {
    const n = Number((await influxStore.query('SELECT count(lat) FROM position'))[0]?.count ?? 0);
    if (n >= total) break;
    if ((performance.now() - started) / 1000 > 600) throw new Error(`only ${n} of ${total} points in InfluxDB after 600 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  clearInterval(sampler);
  const elapsed = (performance.now() - started) / 1000;
  // Both processes over the same window (start of the stream → every point in InfluxDB), read from /proc the
  // same way: the gateway's work ends earlier (at the last answer), so it pays its idle tail like the ingester
  // pays its idle start.
  const gwCpu = cpuSeconds(gwPid) - gwBefore;
  const ingCpu = cpuSeconds(ingester.child.pid) - ingBefore;
  peakRss = Math.max(peakRss, rssMb(gwPid, 'VmHWM'));
  console.log(`${total} location frames answered in ${answered.toFixed(1)} s, all in InfluxDB after ${elapsed.toFixed(1)} s ` +
    `= ${Math.round(total / elapsed)} frames/s end to end (${failed} refused)`);
  console.log(`gateway CPU ${((gwCpu * 1e6) / total).toFixed(0)} µs per frame · ingester CPU ${((ingCpu * 1e6) / total).toFixed(0)} µs per message · ` +
    `mosquitto ${(((cpuSeconds(mosquitto.child.pid) - mqBefore) * 1e6) / total).toFixed(0)} µs · terminals (this process) ${(((cpuSeconds(process.pid) - selfBefore) * 1e6) / total).toFixed(0)} µs`);
  console.log(`gateway RSS: ${rssAuthenticated.toFixed(0)} MB with ${TERMINALS} authenticated terminals, peak ${peakRss.toFixed(0)} MB (target ≤ 1024 MB)`);
  console.log(`ratio gateway / ingester CPU = ${(gwCpu / ingCpu).toFixed(2)} (target ≤ 1.0; both over the same window — ` +
    `the gateway until its last answer only: ${((gwCpuAnswered * 1e6) / total).toFixed(0)} µs per frame); load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  redis.disconnect();
} finally {
  await Promise.all(terminals.map((t) => t.close().catch(() => undefined)));
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await Promise.all(services.map((s) => s.stop()));
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}
