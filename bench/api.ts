// `npm run bench:api`: latency of GET /v1/vehicles/{vin} (live state + who serves the truck) at a fixed
// arrival rate, with the API as its own process (api/main.ts) on private Redis, InfluxDB and Mosquitto.
// Open-loop load: requests are sent on schedule whether or not earlier ones have answered, and latency is
// measured from the scheduled send time, so a stall shows up in the numbers (no coordinated omission).
//   --rate R        requests per second (default 2000)
//   --seconds S     measured duration (default 20; plus 5 s of warm-up at the same rate)
//   --vehicles N    registry size (default 10000, from the network generator)
//   --connections N keep-alive connections of the load client (default 256)
//   --cpu-prof      write a V8 CPU profile of the API process to .data/bench-api/
//   --trace-gc      let the API process print V8's garbage-collection trace
//   --gc-stats      trace the API's scavenges (--trace-gc-nvp) and print, for the measured part, how many there
//                   were, their mean pause and the mean bytes promoted to old space per scavenge (the
//                   load-insensitive figure: ≈ 25–50 KB when only in-flight requests survive)
//   BENCH_API_NODE_FLAGS  extra Node/V8 flags for the API process, space-separated (experiments such as
//                   --no-allocation-site-pretenuring or --trace-pretenuring)
//   --mode M        standalone, cluster or both (default both: the whole run on a private standalone Redis, then on
//                   a private local Redis Cluster of 3 masters + 3 replicas, and a side-by-side table at the end)
// Not a test: prints the numbers for docs/benchmarks.md (## API).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisKeys } from '../core/keys.ts';
import { freePort, startInflux, startMosquitto, type LocalService } from '../infra/local-services.ts';
import { signToken } from '../infra/jwt.ts';
import { createRedis } from '../infra/redis.ts';
import { createTelemetryStore } from '../infra/telemetry-store.ts';
import { loadRegionMap } from '../infra/regions-data.ts';
import { createRegistryImporter } from '../registry/importer.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { loadChinaCities } from '../simulators/cities.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork } from '../simulators/network.ts';
import { arg } from './args.ts';
import { cpuSeconds } from './proc.ts';
import { masterUsage, modesArg, startBenchRedis, usageBetween, type BenchMode } from './redis-modes.ts';

const RATE = arg('rate', 2000);
const SECONDS = arg('seconds', 20);
const WARMUP_S = 5;
const VEHICLES = arg('vehicles', 10_000);
const CONNECTIONS = arg('connections', 256);
const PREFIX = 'bench';
const GC_STATS = process.argv.includes('--gc-stats');
const JWT = { secret: 'bench-jwt-secret-that-is-long-enough-0123456789' };

/** Nanoseconds a process's main thread spent runnable but waiting for a CPU (Linux schedstat). */
function runQueueWaitNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return NaN;
  }
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * A minimal HTTP/1.1 keep-alive client over raw sockets (one request in flight per connection; requests
 * wait for a free connection). Several times cheaper than node:http, so the load generator takes less of
 * the CPU the API needs. Only for this benchmark: it expects `content-length` answers, as Fastify sends.
 */
function createLoadClient(port: number, connections: number) {
  type Job = { path: string; token: string; done: (status: number) => void };
  const queue: Job[] = [];
  const idle: Array<{ socket: Socket; send: (job: Job) => void }> = [];
  const sockets: Socket[] = [];
  for (let i = 0; i < connections; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    sockets.push(socket);
    let current: Job | undefined;
    let buffer: Buffer = Buffer.alloc(0);
    const conn = {
      socket,
      send(job: Job) {
        current = job;
        socket.write(`GET ${job.path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${job.token}\r\n\r\n`);
      },
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0 || !current) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = buffer.subarray(end + 4 + length);
        const job = current;
        current = undefined;
        job.done(Number(head.slice(9, 12)));
        const next = queue.shift();
        if (next) conn.send(next);
        else idle.push(conn);
      }
    });
    socket.on('error', () => {
      current?.done(0);
      current = undefined;
    });
    socket.once('connect', () => {
      const next = queue.shift();
      if (next) conn.send(next);
      else idle.push(conn);
    });
  }
  return {
    get(path: string, token: string, done: (status: number) => void): void {
      const job = { path, token, done };
      const conn = idle.pop();
      if (conn) conn.send(job);
      else queue.push(job);
    },
    close(): void {
      for (const socket of sockets) socket.destroy();
    },
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function run(mode: BenchMode): Promise<{ ok: boolean; row: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const services: Array<Pick<LocalService, 'stop'>> = [];
  let api: ReturnType<typeof spawn> | undefined;
  try {
    const accounts = { ingester: { username: 'ingester', password: 'bench-ingester' }, ops: { username: 'ops', password: 'bench-ops' } };
    const [redisService, influx, mosquitto] = await Promise.all([
      startBenchRedis(mode, dir),
      startInflux({ dir: join(dir, 'influx') }),
      startMosquitto({ dir: join(dir, 'mosquitto'), accounts }),
    ]);
    services.push(redisService, influx, mosquitto);
    // The database the ingester would have created (the API's coverage roll-up reads it).
    await createTelemetryStore({ version: 1, url: influx.url, database: 'bench' }).ensureDatabase();
    // On a cluster the deployment prefix is the control plane's hash tag (infra/config.ts).
    const prefix = mode === 'cluster' ? `{${PREFIX}}` : PREFIX;

    // Registry: the generated network (700 stations, N vehicles, fixed points), imported as operators do.
    const redis = createRedis(redisService.target, 'fail-fast');
    const registry = createRegistryStore({ redis, prefix });
    const importer = createRegistryImporter({ registry, regions: loadRegionMap() });
    const network = generateNetwork(loadChinaCities(), { ...DEFAULT_NETWORK_OPTIONS, vehicles: VEHICLES });
    const importStarted = performance.now();
    for (const [kind, rows] of [['advisor', network.advisors], ['customer', network.customers], ['station', network.stations], ['depot', network.depots], ['vehicle', network.vehicles]] as const) {
      const report = await importer.importRows(kind, rows);
      if (report.problems.length) throw new Error(`import ${kind}: ${JSON.stringify(report.problems.slice(0, 3))}`);
    }
    const assigned = await importer.importAssignments(network.assignments, 'bench');
    if (assigned.problems.length) throw new Error(`assignments: ${JSON.stringify(assigned.problems.slice(0, 3))}`);
    const importMs = performance.now() - importStarted;

    // Live state of every truck, as the ingester writes it (one command per key: on a cluster they spread by VIN).
    const keys = redisKeys(prefix);
    for (let from = 0; from < network.vehicles.length; from += 1000) {
      await Promise.all(network.vehicles.slice(from, from + 1000).map((v, j) => {
        const city = network.stations[(from + j) % network.stations.length]!;
        return redis.hset(keys.live(v.vin), {
          customerId: v.customerId, ts: String(Date.now()), lat: String(city.lat + 0.05), lon: String(city.lon + 0.05),
          speedKmh: '72.5', heading: '90', odometerKm: '123456.7', engineHours: '4567.8', fuelPct: '55', ignition: 'true', seq: '42',
          dtcs: '[]', severity: 'none', lastSeen: String(Date.now()), status: 'online', statusTs: String(Date.now()),
        });
      }));
    }

    const port = await freePort();
    const profile = [
      ...(process.argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir=.data/bench-api'] : []),
      ...(process.argv.includes('--trace-gc') || GC_STATS ? ['--trace-gc'] : []),
      ...(GC_STATS ? ['--trace-gc-nvp'] : []),
      ...(process.env.BENCH_API_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    ];
    api = spawn(process.execPath, [...profile, '--import', 'tsx', 'api/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        REDIS_MODE: mode, REDIS_URL: redisService.target.redisUrl, REDIS_PREFIX: PREFIX, INFLUX_URL: influx.url, INFLUX_DB: 'bench',
        MQTT_URL: mosquitto.url, MQTT_USERNAME: 'ops', MQTT_PASSWORD: 'bench-ops',
        API_PORT: String(port), API_HOST: '127.0.0.1', JWT_SECRET: JWT.secret, LOG_LEVEL: 'warn',
        // The limiter still runs (one Redis round trip per request); the limit is high enough not to refuse the load.
        API_RATE_LIMIT_MAX: '100000000',
      },
      stdio: ['ignore', GC_STATS ? 'pipe' : 'inherit', 'inherit'],
    });
    const scavenges = { counting: false, count: 0, pauseMs: 0, promoted: 0, survived: 0 };
    if (GC_STATS) {
      let pending = '';
      api.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          if (!line.includes(' gc=')) {
            process.stdout.write(`${line}\n`);
            continue;
          }
          if (!scavenges.counting || !line.includes(' gc=s ')) continue;
          const field = (name: string) => Number(new RegExp(` ${name}=([0-9.]+)`).exec(line)?.[1] ?? NaN);
          scavenges.count++;
          scavenges.pauseMs += field('pause');
          scavenges.promoted += field('promoted');
          scavenges.survived += field('new_space_survived');
        }
      });
    }
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (i > 300) throw new Error('API did not become healthy');
      await new Promise((r) => setTimeout(r, 100));
    }

    // Callers: call-center agents and customers (each reading its own trucks).
    const byCustomer = new Map<string, string[]>();
    for (const v of network.vehicles) byCustomer.set(v.customerId, [...(byCustomer.get(v.customerId) ?? []), v.vin]);
    const callers: Array<{ token: string; vins: string[] }> = [];
    for (let i = 0; i < 20; i++) callers.push({ token: await signToken(JWT, { sub: `agent-${i}`, role: 'agent' }), vins: network.vehicles.map((v) => v.vin) });
    for (const [customerId, vins] of byCustomer) callers.push({ token: await signToken(JWT, { sub: `fleet-${customerId}`, role: 'customer', customerId }), vins });

    const client = createLoadClient(port, CONNECTIONS);
    const total = RATE * (SECONDS + WARMUP_S);
    const latencies = new Float64Array(RATE * SECONDS);
    let measured = 0;
    let errors = 0;
    let completed = 0;
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

    const cpuBefore = cpuSeconds(api.pid!);
    const ownCpuBefore = process.cpuUsage();
    const waitBefore = runQueueWaitNs(api.pid!);
    const loadBefore = loadAverage();
    const redisBefore = await masterUsage(redis);
    const started = performance.now();
    const measuring = setTimeout(() => { scavenges.counting = true; }, WARMUP_S * 1000);
    await new Promise<void>((resolve) => {
      let sent = 0;
      const tick = () => {
        const now = performance.now();
        const due = Math.min(total, Math.floor(((now - started) / 1000) * RATE));
        for (; sent < due; sent++) {
          const scheduled = started + (sent / RATE) * 1000;
          const inMeasurement = sent >= RATE * WARMUP_S;
          const caller = callers[Math.floor(random() * callers.length)]!;
          const vin = caller.vins[Math.floor(random() * caller.vins.length)]!;
          client.get(`/v1/vehicles/${vin}`, caller.token, (status) => {
            if (status !== 200) errors++;
            if (inMeasurement && measured < latencies.length) latencies[measured++] = performance.now() - scheduled;
            if (++completed === total) resolve();
          });
        }
        if (sent < total) setTimeout(tick, 1);
      };
      tick();
    });
    const elapsedS = (performance.now() - started) / 1000;
    clearTimeout(measuring);
    scavenges.counting = false;
    const redisUsage = usageBetween(redisBefore, await masterUsage(redis), elapsedS);
    const apiCpuUsPerRequest = ((cpuSeconds(api.pid!) - cpuBefore) / total) * 1e6;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const apiWaitS = (runQueueWaitNs(api.pid!) - waitBefore) / 1e9;
    const clientCpuUsPerRequest = (ownCpu.user + ownCpu.system) / total;
    const sorted = latencies.slice(0, measured).sort();
    const result = {
      rate: RATE,
      seconds: SECONDS,
      requests: measured,
      errors,
      achievedRate: Math.round(total / elapsedS),
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: sorted[sorted.length - 1] ?? NaN,
    };
    const f = (ms: number) => ms.toFixed(2);
    process.stdout.write(
      `\nRedis ${mode}\n` +
      `import of ${network.stations.length} stations + ${network.vehicles.length} vehicles + ${assigned.rows} assignments: ${Math.round(importMs)} ms\n` +
        `GET /v1/vehicles/{vin} at ${RATE} req/s for ${SECONDS} s (after ${WARMUP_S} s warm-up), ${callers.length} callers, ${network.vehicles.length} vehicles\n` +
        `| target rate | achieved | requests | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |\n|---|---|---|---|---|---|---|---|---|\n` +
        `| ${RATE}/s | ${result.achievedRate}/s | ${result.requests} | ${errors} | ${f(result.p50)} | ${f(result.p90)} | ${f(result.p99)} | ${f(result.p999)} | ${f(result.max)} |\n` +
        `API process CPU: ${Math.round(apiCpuUsPerRequest)} µs per request (${((apiCpuUsPerRequest * RATE) / 1e6).toFixed(2)} cores at ${RATE}/s); ` +
        `load generator CPU: ${Math.round(clientCpuUsPerRequest)} µs per request; ` +
        `API main thread waited ${apiWaitS.toFixed(1)} s for a CPU during the ${elapsedS.toFixed(1)} s run; ` +
        `load average before/after: ${loadBefore} / ${loadAverage()} on ${cpus().length} cores\n` +
        (GC_STATS
          ? `API scavenges after warm-up: ${scavenges.count}, mean pause ${(scavenges.pauseMs / scavenges.count).toFixed(2)} ms, ` +
            `promoted ${Math.round(scavenges.promoted / scavenges.count / 1024)} KB and survived in new space ${Math.round(scavenges.survived / scavenges.count / 1024)} KB per scavenge\n`
          : '') +
        `Redis ${mode === 'cluster' ? 'masters' : 'server'}: ${redisUsage.map((u) => `${u.port}: CPU ${(100 * u.cpuShare).toFixed(1)} % of a core, ${Math.round(u.callsPerS)} commands/s`).join('; ')}\n`,
    );
    client.close();
    redis.disconnect();
    const redisCpu = redisUsage.reduce((a, u) => a + u.cpuShare, 0);
    return {
      ok: result.p99 <= 20 && errors === 0,
      row: `| ${mode} | ${result.achievedRate}/s | ${result.requests} | ${errors} | ${f(result.p50)} | ${f(result.p90)} | ${f(result.p99)} | ${f(result.p999)} | ${f(result.max)} | ${Math.round(apiCpuUsPerRequest)} µs | ${(100 * redisCpu).toFixed(1)} % | ${loadAverage()} |`,
    };
  } finally {
    if (api && api.exitCode === null) {
      const exited = new Promise((r) => api!.once('exit', r));
      api.kill('SIGTERM');
      await exited;
    }
    await Promise.all(services.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  let ok = true;
  for (const mode of modesArg()) {
    const outcome = await run(mode);
    rows.push(outcome.row);
    ok &&= outcome.ok;
  }
  if (rows.length > 1) {
    process.stdout.write(
      `\nGET /v1/vehicles/{vin} at ${RATE} req/s, side by side\n` +
        `| Redis | achieved | requests | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | API CPU per request | Redis CPU (all masters, of a core) | load average after |\n` +
        `|---|---|---|---|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
    );
  }
  process.exitCode = ok ? 0 : 1;
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench:api failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
