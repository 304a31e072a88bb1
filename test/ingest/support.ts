// Helpers for the ingest tests: spawn the real ingester process, publish with Mosquitto's own client, and
// read back from InfluxDB and Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { withCheckDigit } from '../../core/vin.ts';
import type { TestServices } from '../harness/context.ts';

export interface IngesterProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `npx tsx ingest/main.ts` against the test namespace. */
export function spawnIngester(services: TestServices, extra: Record<string, string>): IngesterProcess {
  const env = services.env({
    // The harness ACL grants the ingester account the production root only (fleet/v1/#); test files publish
    // under their own roots, so the ingester under test uses the ops account.
    MQTT_USERNAME: services.accounts.ops.username,
    MQTT_PASSWORD: services.accounts.ops.password,
    INGEST_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...extra,
  });
  const child = spawn('node', ['--import', 'tsx', 'ingest/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function stopIngester(p: IngesterProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  await p.exited;
}

const createdDirs: string[] = [];
// Spools and private influxd data of a test file are removed after the file (hooks run as a stack, so this
// one, registered on import, runs after the file's own afterAll that stops its processes).
afterAll(() => {
  for (const dir of createdDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ingest-${label}-`));
  createdDirs.push(dir);
  return dir;
}

/** Deterministic valid VINs for tests. */
export function testVin(n: number): string {
  const serial = String(n).padStart(6, '0');
  return withCheckDigit(`LFWADRJF0${'1'}1${serial}`);
}

export async function registerVehicles(redis: Redis, prefix: string, vins: readonly string[], customerId = 'cust-1'): Promise<void> {
  const registry = createRegistryStore({ redis, prefix });
  await registry.putMany('vehicle', vins.map((vin) => ({ vin, customerId, active: true })));
}

/** Publishes one message per line to one topic with mosquitto_pub (-l), QoS 1; resolves with its exit code. */
export function mosquittoPub(
  services: TestServices,
  topic: string,
  lines: readonly string[],
  opts: { clientId?: string; linesPerTick?: number; tickMs?: number } = {},
): Promise<number | null> {
  const url = new URL(services.mqttUrl);
  const child = spawn('mosquitto_pub', [
    '-h', url.hostname, '-p', url.port, '-u', services.accounts.ops.username, '-P', services.accounts.ops.password,
    '-q', '1', '-t', topic, '-l', '-i', opts.clientId ?? `pub-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  ], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  if (!opts.linesPerTick) child.stdin.end(lines.join('\n') + '\n');
  else {
    // Load shaping (not synchronisation): feed the publisher in slices so the stream lasts a while.
    const step = opts.linesPerTick;
    let at = 0;
    const feed = () => {
      if (at >= lines.length) return void child.stdin.end();
      child.stdin.write(lines.slice(at, at + step).join('\n') + '\n');
      at += step;
      setTimeout(feed, opts.tickMs ?? 100);
    };
    feed();
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`mosquitto_pub exited ${code}: ${stderr}`))));
  });
}

export function positionJson(i: number, base = 1763805600000): string {
  return JSON.stringify({
    ts: base + i * 1000, seq: i, lat: 30 + (i % 1000) / 10000, lon: 120 + (i % 777) / 10000, speedKmh: 60 + (i % 30),
    heading: i % 360, odometerKm: 100000 + i / 100, engineHours: 3000 + i / 3600, fuelPct: 50, ignition: true,
  });
}

/** Sum of one Prometheus counter (all label sets matching `labels`) scraped from an ingester's /metrics. */
export async function scrapeCounter(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
