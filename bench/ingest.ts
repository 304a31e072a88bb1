// `npm run bench:ingest`: 200 simulated trucks (own MQTT clients, username = VIN), QoS 1, 200,000 position
// messages through Mosquitto into InfluxDB; end-to-end messages/s of the real ingester (validation, registry,
// spool, live state, durability on) and, in the same run, of a naive reference pipe, as a ratio.
// Starts its own Redis, Mosquitto and InfluxDB on free loopback ports (infra/local-services.ts).
// Options: --trucks N (200) --messages N (200000) --rounds N (3: naive, ingester, naive, ingester, … — the machine
// is shared, so alternating and comparing medians is fairer than one run each) --keep (keep the temp dir).
// --strict (the hot-path acceptance): 100,000 messages and 5 rounds unless given; each arm is timed from the first publish to the
// last point stored (InfluxDB polled every 50 ms), both arms write the same points; the report gives every run, the
// ratio of each adjacent naive/ingester pair and their median, and the CPU µs per message of every process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { devicePassword } from '../core/device-credentials.ts';
import { redisKeys } from '../core/keys.ts';
import { deviceTopic } from '../core/topics.ts';
import { withCheckDigit } from '../core/vin.ts';
import { startInflux, startMosquitto, startRedis, type LocalService } from '../infra/local-services.ts';
import { createRedis } from '../infra/redis.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createTelemetryStore } from '../infra/telemetry-store.ts';
import { cpuSeconds } from './proc.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const STRICT = process.argv.includes('--strict');
const TRUCKS = arg('trucks', 200);
const MESSAGES = arg('messages', STRICT ? 100_000 : 200_000);
const ROUNDS = arg('rounds', STRICT ? 5 : 3);
const POLL_MS = STRICT ? 50 : 200;
const PER_TRUCK = Math.ceil(MESSAGES / TRUCKS);
const DEVICE_KEY = 'bench-device-key';
const ROOT = 'fleet/v1';
const accounts = {
  ingester: { username: 'ingester', password: 'bench-ingester-password' },
  ops: { username: 'ops', password: 'bench-ops-password' },
};

const vins = Array.from({ length: TRUCKS }, (_, i) => withCheckDigit(`LFWBENCH0${String(i).padStart(8, '0')}`.replace(/[IOQ]/g, 'X')));

function spawnProcess(script: string, env: Record<string, string>): { child: ChildProcess; ready: Promise<void> } {
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each measured process (for finding the next bottleneck).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn('node', [...prof, '--import', 'tsx', script], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('subscribed')) resolve();
    };
    child.stdout?.on('data', onData);
    if (process.env.BENCH_INGEST_LOG_LEVEL) child.stdout?.on('data', (d: Buffer) => process.stderr.write(d));
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`)));
  });
  ready.catch(() => undefined); // an exit after readiness is the normal end, not an error
  return { child, ready };
}

/** Every truck publishes its share with QoS 1 (a window of unacknowledged messages per truck). */
async function publishFleet(mqttUrl: string, base: number): Promise<void> {
  const window = 100;
  await Promise.all(vins.map(async (vin, t) => {
    const client = await mqtt.connectAsync(mqttUrl, {
      clientId: vin, username: vin, password: devicePassword(DEVICE_KEY, vin), clean: true, reconnectPeriod: 1000,
    });
    const topic = deviceTopic(ROOT, vin, 'position');
    const inFlight = new Set<Promise<unknown>>();
    for (let i = 0; i < PER_TRUCK; i++) {
      const payload = JSON.stringify({
        ts: base + i * 1000, seq: i, lat: 30 + t / 1000 + i / 1e6, lon: 114 + t / 1000, speedKmh: 80, heading: 90,
        odometerKm: 100_000 + i / 40, engineHours: 3000 + i / 3600, fuelPct: 60, ignition: true,
      });
      const p = client.publishAsync(topic, payload, { qos: 1 }).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await client.endAsync();
  }));
}

async function waitForCount(query: () => Promise<number>, expected: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const n = await query().catch(() => 0);
    if (n >= expected) return;
    if (Date.now() - started > timeoutMs) throw new Error(`only ${n} of ${expected} points after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Other processes whose CPU per message each run reports (the broker, InfluxDB, this process = publishers). */
const observed: Array<{ name: string; pid: number | undefined }> = [];

interface RunResult {
  arm: 'naive' | 'ingester';
  seconds: number;
  publishSeconds: number;
  rate: number;
  /** CPU µs per message: the arm's own process first (`pipe`), then every observed process. */
  cpu: Record<string, number>;
  load: string;
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function run(
  arm: RunResult['arm'], script: string, env: Record<string, string>, influxUrl: string, db: string, mqttUrl: string, base: number,
): Promise<RunResult> {
  const label = arm === 'naive' ? 'naive reference pipe' : 'ingester (validation, registry, spool, live state)';
  const proc = spawnProcess(script, env);
  try {
    await proc.ready;
    const store = createTelemetryStore({ version: 1, url: influxUrl, database: db });
    const loadBefore = loadAverage();
    const cpuBefore = cpuSeconds(proc.child.pid);
    const othersBefore = observed.map((o) => cpuSeconds(o.pid));
    const started = performance.now();
    await publishFleet(mqttUrl, base);
    const published = performance.now();
    await waitForCount(async () => Number((await store.query('SELECT count(lat) FROM position'))[0]?.count ?? 0), PER_TRUCK * TRUCKS, 600_000);
    const elapsed = (performance.now() - started) / 1000;
    const rate = (PER_TRUCK * TRUCKS) / elapsed;
    const perMessage = (before: number, pid: number | undefined) => ((cpuSeconds(pid) - before) * 1e6) / (PER_TRUCK * TRUCKS);
    const cpu: Record<string, number> = { pipe: perMessage(cpuBefore, proc.child.pid) };
    observed.forEach((o, i) => (cpu[o.name] = perMessage(othersBefore[i]!, o.pid)));
    const result: RunResult = { arm, seconds: elapsed, publishSeconds: (published - started) / 1000, rate, cpu, load: `${loadBefore} → ${loadAverage()}` };
    const others = observed.map((o) => `${o.name} ${cpu[o.name]!.toFixed(0)}`).join(', ');
    console.log(
      `${label}: ${PER_TRUCK * TRUCKS} messages in ${elapsed.toFixed(1)} s (published in ${result.publishSeconds.toFixed(1)} s) ` +
        `= ${Math.round(rate)} msg/s end-to-end, ${cpu.pipe!.toFixed(1)} µs CPU per message in the process (${others}); load ${result.load}`,
    );
    return result;
  } finally {
    const exited = new Promise((resolve) => proc.child.once('exit', (code, signal) => resolve(code ?? signal)));
    proc.child.kill('SIGTERM');
    const how = await exited;
    if (how !== 0) console.log(`${label}: process ended with ${String(how)}`);
  }
}

/** Ends a persistent MQTT session (connect with clean = true under its client id, then leave). */
async function clearSession(mqttUrl: string, clientId: string): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, { clientId, clean: true, reconnectPeriod: 0, ...accounts.ingester });
  await client.endAsync();
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
}

/** The strict report: every run, each adjacent pair's ratios, medians, CPU µs per message of every process. */
function report(results: RunResult[]): void {
  const names = ['pipe', ...observed.map((o) => o.name)];
  console.log(`\nruns (${PER_TRUCK * TRUCKS} messages each; publish start → last point stored; CPU µs per message):`);
  console.log(['run', 'arm', 's', 'msg/s', ...names, 'total', 'load avg (1/5/15 min) before → after'].join(' | '));
  results.forEach((r, i) => {
    const total = names.reduce((sum, n) => sum + r.cpu[n]!, 0);
    console.log([i + 1, r.arm, r.seconds.toFixed(2), Math.round(r.rate), ...names.map((n) => r.cpu[n]!.toFixed(1)), total.toFixed(1), r.load].join(' | '));
  });
  // Pairs of adjacent runs (naive i, ingester i): both saw about the same machine.
  const naive = results.filter((r) => r.arm === 'naive');
  const ours = results.filter((r) => r.arm === 'ingester');
  const rateRatios = ours.map((r, i) => r.rate / naive[i]!.rate);
  const cpuRatios = ours.map((r, i) => r.cpu.pipe! / naive[i]!.cpu.pipe!);
  console.log(`end-to-end ratio ingester / naive per pair: ${rateRatios.map((x) => x.toFixed(2)).join(', ')}; median ${median(rateRatios).toFixed(2)} (target ≥ 1.0)`);
  console.log(`CPU per message ingester / naive (own process) per pair: ${cpuRatios.map((x) => x.toFixed(2)).join(', ')}; median ${median(cpuRatios).toFixed(2)} (target ≤ 0.75)`);
  for (const n of names) {
    console.log(`  median CPU µs/msg ${n.padEnd(10)} naive ${median(naive.map((r) => r.cpu[n]!)).toFixed(1).padStart(6)}   ingester ${median(ours.map((r) => r.cpu[n]!)).toFixed(1).padStart(6)}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
const services: LocalService[] = [];
try {
  const [redisService, mosquitto, influx] = await Promise.all([
    startRedis({ dir: join(dir, 'redis') }),
    startMosquitto({
      dir: join(dir, 'mosquitto'), accounts,
      trucks: vins.map((vin) => ({ username: vin, password: devicePassword(DEVICE_KEY, vin) })),
    }),
    startInflux({ dir: join(dir, 'influx') }),
  ]);
  services.push(redisService, mosquitto, influx);
  observed.push({ name: 'mosquitto', pid: mosquitto.child.pid }, { name: 'influxd', pid: influx.child.pid }, { name: 'redis', pid: redisService.child.pid }, { name: 'publishers', pid: process.pid });
  const redis = createRedis({ redisMode: 'standalone', redisUrl: redisService.url }, 'fail-fast');
  await createRegistryStore({ redis, prefix: 'bench' }).putMany('vehicle', vins.map((vin) => ({ vin, customerId: 'bench-customer', active: true })));

  const common = { MQTT_URL: mosquitto.url, MQTT_TOPIC_ROOT: ROOT, INFLUX_URL: influx.url, LOG_LEVEL: 'warn', REDIS_URL: redisService.url, REDIS_PREFIX: 'bench' };
  console.log(
    `bench:ingest${STRICT ? ' --strict' : ''} — ${TRUCKS} trucks, ${PER_TRUCK * TRUCKS} QoS 1 position messages per run, ${ROUNDS} round(s), ` +
      `node ${process.version}, load average ${loadAverage()}`,
  );
  const results: RunResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const base = 1763805600000 + round * PER_TRUCK * 1000;
    results.push(await run('naive', 'bench/naive-pipe.ts', {
      ...common, MQTT_USERNAME: 'ops', MQTT_PASSWORD: accounts.ops.password, INFLUX_DB: `naive${round}`,
    }, influx.url, `naive${round}`, mosquitto.url, base));
    results.push(await run('ingester', 'ingest/main.ts', {
      ...common, MQTT_USERNAME: 'ingester', MQTT_PASSWORD: accounts.ingester.password, INFLUX_DB: `ingest${round}`,
      LOG_LEVEL: process.env.BENCH_INGEST_LOG_LEVEL ?? 'info', INGEST_CLIENT_ID: 'bench-ingester',
      INGEST_SPOOL_DIR: join(dir, 'spool'), INGEST_METRICS_PORT: '0',
    }, influx.url, `ingest${round}`, mosquitto.url, base));
    // The ingester's persistent session would otherwise outlive its round: the broker would queue the next
    // naive round's messages for it (work for the broker during the naive round), and the next ingester
    // round would receive them on top of its own and process twice the traffic.
    await clearSession(mosquitto.url, 'bench-ingester');
  }
  const live = await redis.hgetall(redisKeys('bench').live(vins[0]!));
  if (Number(live.seq) !== PER_TRUCK - 1) throw new Error(`live state of ${vins[0]} has seq ${live.seq}, expected ${PER_TRUCK - 1}`);
  if (STRICT) report(results);
  else {
    const rates = (arm: RunResult['arm']) => results.filter((r) => r.arm === arm).map((r) => r.rate);
    console.log(`median msg/s: ingester ${Math.round(median(rates('ingester')))}, naive ${Math.round(median(rates('naive')))}`);
    console.log(`ratio ingester / naive = ${(median(rates('ingester')) / median(rates('naive'))).toFixed(2)} (target ≥ 1.0)`);
  }
  redis.disconnect();
} finally {
  await Promise.all(services.map((s) => s.stop()));
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}
