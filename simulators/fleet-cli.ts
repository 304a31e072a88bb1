// `npm run simulate -- --trucks 2000 --interval 30 --seed 1 [--duration s] [--speedup k] [--network <dir>]`
// Env: MQTT_URL, MQTT_TOPIC_ROOT (default fleet/v1), DEVICE_KEY. See docs/simulators.md.
// `--protocol jt808` drives the trucks as JT/T 808 terminals through the gateway instead (docs/jt808.md);
// env then: REDIS_URL, REDIS_PREFIX (terminal binding).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Vehicle } from '../core/registry.ts';
import { isValidVin } from '../core/vin.ts';
import { ConfigError } from '../infra/config.ts';
import { mosquittoPasswordLine } from '../infra/mosquitto-auth.ts';
import { loadChinaCities } from './cities.ts';
import { CliOptionError, intOption, numberOption } from './cli-options.ts';
import { readFleetEnvConfig } from './fleet-config.ts';
import { createJt808FleetRuntime, type EditionChoice } from './jt808-fleet.ts';
import { readCommonConfig } from '../infra/config.ts';
import { createRedis, verifyRedisMode } from '../infra/redis.ts';
import { fleetAccounts, planTrucks, selectFleet } from './fleet-plan.ts';
import { createFleetRuntime, type FleetStats } from './fleet-runtime.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork } from './network.ts';
import { createRandom } from '../core/prng.ts';
import { createSimClock } from './sim-clock.ts';
import { DEFAULT_TRUCK_PARAMS, type TruckParams } from './truck.ts';
import { onStopSignals } from '../infra/shutdown.ts';

const USAGE = `usage: npm run simulate -- [--trucks 100] [--interval 30] [--seed 1] [--network <dir> | --vehicles 10000] [--duration <s>]
         [--speedup 1] [--start <ISO time>] [--red-per-day 0.01] [--amber-per-day 0.05] [--gaps-per-day 3]
         [--breakdowns-at <s,s,…>] [--connect-rate 500] [--tick-ms 100] [--keepalive 60] [--keep-connection-in-gaps]
         [--stats-file <file>] [--quiet] [--print-password-lines]
         [--protocol mqtt|jt808] [--gateway host:port (127.0.0.1:6808)] [--jt808-edition 2011|2013|2019|mixed] [--resend-after 30]
env: MQTT_URL, MQTT_TOPIC_ROOT (default fleet/v1), DEVICE_KEY; with --protocol jt808: REDIS_URL, REDIS_PREFIX`;

function parse() {
  const { values } = parseArgs({
    options: {
      trucks: { type: 'string' }, vehicles: { type: 'string' }, interval: { type: 'string' }, seed: { type: 'string' }, network: { type: 'string' },
      duration: { type: 'string' }, speedup: { type: 'string' }, start: { type: 'string' },
      'red-per-day': { type: 'string' }, 'amber-per-day': { type: 'string' }, 'gaps-per-day': { type: 'string' },
      'breakdowns-at': { type: 'string' }, 'connect-rate': { type: 'string' }, 'tick-ms': { type: 'string' },
      keepalive: { type: 'string' }, 'keep-connection-in-gaps': { type: 'boolean' }, 'stats-file': { type: 'string' },
      quiet: { type: 'boolean' }, 'print-password-lines': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      protocol: { type: 'string' }, gateway: { type: 'string' }, 'jt808-edition': { type: 'string' }, 'resend-after': { type: 'string' },
    },
    strict: true,
  });
  const start = values.start === undefined ? Date.now() : Date.parse(values.start);
  if (!Number.isFinite(start)) throw new CliOptionError(`--start must be an ISO-8601 time (got "${values.start}")`);
  const breakdownsAt = (values['breakdowns-at'] ?? '').split(',').filter((s) => s.trim() !== '')
    .map((s) => numberOption('--breakdowns-at', s, 0, 0, 10 * 365 * 86_400)).sort((a, b) => a - b);
  const params: TruckParams = {
    ...DEFAULT_TRUCK_PARAMS,
    reportIntervalS: numberOption('--interval', values.interval, DEFAULT_TRUCK_PARAMS.reportIntervalS, 1, 3600),
    redStopPerDay: numberOption('--red-per-day', values['red-per-day'], DEFAULT_TRUCK_PARAMS.redStopPerDay, 0, 1000),
    amberPerDay: numberOption('--amber-per-day', values['amber-per-day'], DEFAULT_TRUCK_PARAMS.amberPerDay, 0, 1000),
    gapsPerDay: numberOption('--gaps-per-day', values['gaps-per-day'], DEFAULT_TRUCK_PARAMS.gapsPerDay, 0, 1000),
  };
  const protocol = values.protocol ?? 'mqtt';
  if (protocol !== 'mqtt' && protocol !== 'jt808') throw new CliOptionError(`--protocol must be mqtt or jt808 (got "${protocol}")`);
  const edition = values['jt808-edition'] ?? 'mixed';
  if (!['2011', '2013', '2019', 'mixed'].includes(edition)) throw new CliOptionError(`--jt808-edition must be 2011, 2013, 2019 or mixed (got "${edition}")`);
  const gatewayMatch = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(values.gateway ?? '127.0.0.1:6808');
  if (!gatewayMatch) throw new CliOptionError(`--gateway must be host:port (got "${values.gateway}")`);
  return {
    protocol,
    gateway: { host: gatewayMatch[1]!.replace(/^\[|\]$/g, ''), port: intOption('--gateway port', gatewayMatch[2], 6808, 1, 65535) },
    edition: (edition === 'mixed' ? 'mixed' : Number(edition)) as EditionChoice,
    resendAfterS: intOption('--resend-after', values['resend-after'], 30, 1, 3600),
    help: values.help === true,
    trucks: intOption('--trucks', values.trucks, 100, 1, 200_000),
    seed: intOption('--seed', values.seed, 1, 0, 2 ** 32 - 1),
    network: values.network,
    vehicles: intOption('--vehicles', values.vehicles, DEFAULT_NETWORK_OPTIONS.vehicles, 1, 999_999),
    durationS: values.duration === undefined ? undefined : numberOption('--duration', values.duration, 0, 0.1, 10 * 365 * 86_400),
    speedup: numberOption('--speedup', values.speedup, 1, 0.01, 100_000),
    start,
    breakdownsAt,
    connectRate: numberOption('--connect-rate', values['connect-rate'], 500, 1, 100_000),
    tickMs: intOption('--tick-ms', values['tick-ms'], 100, 5, 10_000),
    keepaliveS: intOption('--keepalive', values.keepalive, 60, 5, 3600),
    dropConnectionInGaps: values['keep-connection-in-gaps'] !== true,
    statsFile: values['stats-file'],
    quiet: values.quiet === true,
    printPasswordLines: values['print-password-lines'] === true,
    params,
  };
}

function loadVehicles(networkDir: string | undefined, networkVehicles: number, seed: number): Vehicle[] {
  if (networkDir !== undefined) {
    const file = join(networkDir, 'vehicles.json');
    let vehicles: Vehicle[];
    try {
      vehicles = JSON.parse(readFileSync(file, 'utf8')) as Vehicle[];
    } catch (err) {
      throw new CliOptionError(`--network: cannot read ${file} (${err instanceof Error ? err.message : String(err)})`);
    }
    if (!Array.isArray(vehicles)) throw new CliOptionError(`--network: ${file} is not a JSON array`);
    const bad = vehicles.findIndex((v) => typeof v !== 'object' || v === null || typeof v.vin !== 'string' || !isValidVin(v.vin));
    if (bad >= 0) throw new CliOptionError(`--network: ${file} item ${bad} has no valid VIN`);
    return vehicles.map((v) => ({ ...v, active: v.active !== false }));
  }
  // No network given: the vehicles of `npm run simulate:network -- --seed <seed> --vehicles <n>`.
  return generateNetwork(loadChinaCities(), { ...DEFAULT_NETWORK_OPTIONS, seed, vehicles: networkVehicles }).vehicles;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function progressLine(s: FleetStats, simNow: number, speedup: number, rate: number): string {
  const simTime = new Date(simNow).toISOString().slice(0, 19).replace('T', ' ');
  return `[sim ${simTime}Z ×${speedup}] connected ${fmt(s.connected)}/${fmt(s.trucks)} · published ${fmt(s.published)} ` +
    `(acked ${fmt(s.acknowledged)}) · ${fmt(rate)} msg/s · faults red ${s.redStops} amber ${s.ambers} · gaps ${s.gaps}` +
    (s.connectionErrors ? ` · connection errors ${s.connectionErrors} (${s.lastConnectionError})` : '');
}

async function main(): Promise<void> {
  const options = parse();
  if (options.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  let vehicles: Vehicle[];
  try {
    vehicles = selectFleet(loadVehicles(options.network, options.vehicles, options.seed), options.trucks, options.seed);
  } catch (err) {
    throw err instanceof CliOptionError ? err : new CliOptionError(err instanceof Error ? err.message : String(err));
  }
  if (options.printPasswordLines) {
    const env = readFleetEnvConfig({ ...process.env, MQTT_URL: process.env.MQTT_URL ?? 'mqtt://unused' });
    for (const account of fleetAccounts(env.deviceKey, vehicles)) process.stdout.write(mosquittoPasswordLine(account.username, account.password) + '\n');
    return;
  }
  const cities = loadChinaCities();
  const clock = createSimClock({ start: options.start, speedup: options.speedup });
  const trucks = planTrucks(vehicles, cities, { seed: options.seed, params: options.params, now: clock.now() });
  let target: string;
  let runtime: { stats(): Readonly<FleetStats>; start(): void; stop(): Promise<Readonly<FleetStats>>; forceBreakdowns(count: number): string[] };
  if (options.protocol === 'jt808') {
    const common = readCommonConfig(process.env);
    await verifyRedisMode(common);
    const redis = createRedis(common, 'fail-fast');
    runtime = createJt808FleetRuntime({
      host: options.gateway.host, port: options.gateway.port, edition: options.edition, trucks, params: options.params, clock,
      connectRatePerS: options.connectRate, tickMs: options.tickMs, rng: createRandom(options.seed ^ 0xf1ee7),
      redis, redisPrefix: common.redisPrefix, resendAfterS: options.resendAfterS,
    });
    target = `JT/T 808 gateway ${options.gateway.host}:${options.gateway.port} (editions: ${options.edition})`;
  } else {
    const env = readFleetEnvConfig(process.env);
    runtime = createFleetRuntime({
      mqttUrl: env.mqttUrl, topicRoot: env.topicRoot, deviceKey: env.deviceKey, trucks, params: options.params, clock,
      connectRatePerS: options.connectRate, tickMs: options.tickMs, keepaliveS: options.keepaliveS,
      dropConnectionInGaps: options.dropConnectionInGaps, rng: createRandom(options.seed ^ 0xf1ee7),
    });
    target = `${env.mqttUrl} (${env.topicRoot})`;
  }
  const simStart = clock.now();
  const pendingBreakdowns = [...options.breakdownsAt];
  let lastPublished = 0;
  let lastReport = Date.now();
  let lastPrinted = 0;
  const progress = setInterval(() => {
    const now = Date.now();
    while (pendingBreakdowns.length > 0 && clock.now() >= simStart + pendingBreakdowns[0]! * 1000) {
      pendingBreakdowns.shift();
      const vins = runtime.forceBreakdowns(1);
      process.stderr.write(`simulate: forced red-stop breakdown of ${vins.join(', ') || '(no driving truck connected yet)'}\n`);
    }
    const s = runtime.stats();
    const rate = ((s.published - lastPublished) * 1000) / Math.max(1, now - lastReport);
    lastPublished = s.published;
    lastReport = now;
    if (!options.quiet || now - lastPrinted >= 60_000) {
      lastPrinted = now;
      process.stderr.write(progressLine(s, clock.now(), options.speedup, rate) + '\n');
    }
  }, 2000);

  let finishing: Promise<void> | undefined;
  const finish = (reason: string) => {
    finishing ??= (async () => {
      clearInterval(progress);
      process.stderr.write(`simulate: stopping (${reason})…\n`);
      const final = await runtime.stop();
      const summary = JSON.stringify({ event: 'fleet-summary', reason, simulatedSeconds: (clock.now() - simStart) / 1000, ...final });
      if (options.statsFile) writeFileSync(options.statsFile, summary + '\n');
      process.stdout.write(summary + '\n');
      process.exit(0);
    })();
  };
  onStopSignals(finish);
  runtime.start();
  process.stderr.write(`simulate: ${trucks.length} trucks → ${target}, report every ${options.params.reportIntervalS} s, speedup ×${options.speedup}\n`);
  if (options.durationS !== undefined) setTimeout(() => finish('duration'), (options.durationS * 1000) / options.speedup);
}

main().catch((err: unknown) => {
  if (err instanceof CliOptionError || err instanceof ConfigError) {
    process.stderr.write(`simulate: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`simulate: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
