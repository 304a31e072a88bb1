// `npm run scenario -- <file.yaml> [--out <dir>] [--keep-running]`
// Runs a scenario end to end on a private stack it starts itself (Redis, Mosquitto, InfluxDB on loopback,
// then ingest + dispatcher + api with the rescue timers divided by the scenario's speedup), with the
// generated network imported, the fleet and the station responder in this process, the scenario's events
// on schedule, and writes report.json + report.html (KPIs) into the output directory.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { CASE_STATUSES } from '../core/rescue-case.ts';
import { signToken } from '../infra/jwt.ts';
import { freePort, startInflux, startMosquitto, startRedis, type LocalService } from '../infra/local-services.ts';
import { createSupervisor } from '../infra/supervisor.ts';
import { createCallCenter } from './call-center.ts';
import { createComplaintDesk } from './complaint-desk.ts';
import { SEEDED_CALENDAR } from '../core/working-calendar.ts';
import { CORRIDORS } from './china-corridors.ts';
import { loadChinaCities } from './cities.ts';
import { CliOptionError } from './cli-options.ts';
import { fleetAccounts, planTrucks, selectFleet } from './fleet-plan.ts';
import { createFleetRuntime, type FleetStats } from './fleet-runtime.ts';
import { DEFAULT_NETWORK_OPTIONS, generateNetwork, NETWORK_FILES, serializeNetworkFile } from './network.ts';
import { generateStock } from './stock.ts';
import { createRandom } from '../core/prng.ts';
import { createRescueApiClient } from './rescue-api-client.ts';
import {
  computeComplaintKpis, computeKpis, parseScenario, renderReportHtml, scaledRescueEnv, type CaseForKpi, type Scenario, type ScenarioEvent,
} from './scenario.ts';
import { createSimClock } from './sim-clock.ts';
import { DEFAULT_STATION_BEHAVIOUR } from './station-behaviour.ts';
import { createStationResponder } from './station-responder.ts';
import { DEFAULT_TRUCK_PARAMS, type TruckParams } from './truck.ts';
import { onStopSignals } from '../infra/shutdown.ts';

const USAGE = 'usage: npm run scenario -- <scenario.yaml|json> [--out <dir>] [--keep-running]';
const root = resolve(import.meta.dirname, '..');
const say = (line: string) => process.stderr.write(`scenario: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function influxCount(url: string, db: string, query: string): Promise<number> {
  const res = await fetch(`${url}/query?db=${db}&q=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { results?: Array<{ series?: Array<{ values?: unknown[][] }> }> };
  const value = body.results?.[0]?.series?.[0]?.values?.[0]?.[1];
  return typeof value === 'number' ? value : 0;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { out: { type: 'string' }, 'keep-running': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new CliOptionError('exactly one scenario file is required');
  let scenario: Scenario;
  try {
    scenario = parseScenario(YAML.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new CliOptionError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const k = scenario.speedup;
  const out = resolve(values.out ?? join(root, '.data', 'scenarios', `${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  const logDir = join(out, 'logs');
  mkdirSync(logDir, { recursive: true });

  // 1. Network and fleet (deterministic for the scenario's seed).
  const cities = loadChinaCities();
  const network = generateNetwork(cities, {
    ...DEFAULT_NETWORK_OPTIONS, seed: scenario.seed, stations: scenario.network.stations, depots: scenario.network.depots,
    vehicles: Math.max(scenario.network.vehicles, scenario.fleet.trucks),
  });
  const networkDir = join(out, 'network');
  mkdirSync(networkDir, { recursive: true });
  for (const [name, key] of NETWORK_FILES) writeFileSync(join(networkDir, name), serializeNetworkFile(network[key]));
  const fleetVehicles = selectFleet(network.vehicles, scenario.fleet.trucks, scenario.seed);
  const stock = generateStock(createRandom(scenario.seed ^ 0x570c), network);
  writeFileSync(join(networkDir, 'stock.json'), serializeNetworkFile(stock));

  // 2. A private stack.
  const secrets = { deviceKey: randomBytes(24).toString('base64url'), jwtSecret: randomBytes(32).toString('base64url'), ingester: randomBytes(16).toString('hex'), ops: randomBytes(16).toString('hex') };
  const accounts = { ingester: { username: 'ingester', password: secrets.ingester }, ops: { username: 'ops', password: secrets.ops } };
  const trucksAccounts = fleetAccounts(secrets.deviceKey, fleetVehicles);
  say(`starting a private stack in ${out}`);
  const services: LocalService[] = [];
  const [redis, firstBroker, influx] = await Promise.all([
    startRedis({ dir: join(out, 'stack', 'redis') }),
    startMosquitto({ dir: join(out, 'stack', 'mosquitto'), accounts, trucks: trucksAccounts }),
    startInflux({ dir: join(out, 'stack', 'influx') }),
  ]);
  let broker = firstBroker;
  services.push(redis, influx);
  const stopServices = () => Promise.all([...services, broker].map((s) => s.stop()));
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? out, LOG_LEVEL: 'warn',
    REDIS_URL: redis.url, REDIS_PREFIX: 'fr', MQTT_URL: broker.url, MQTT_USERNAME: 'ingester', MQTT_PASSWORD: secrets.ingester,
    INFLUX_URL: influx.url, INFLUX_DB: 'fleet', API_PORT: String(apiPort), API_HOST: '127.0.0.1', JWT_SECRET: secrets.jwtSecret,
    DEVICE_KEY: secrets.deviceKey, API_RATE_LIMIT_MAX: '1000000', INGEST_METRICS_PORT: String(await freePort()),
    INGEST_SPOOL_DIR: join(out, 'stack', 'spool'), ...scaledRescueEnv(k),
  };
  say(`rescue timers for ×${k}: ${Object.entries(scaledRescueEnv(k)).map(([n, v]) => `${n}=${v}`).join(' ')}`);

  let supervisor: ReturnType<typeof createSupervisor> | undefined;
  try {
    for (const [name] of NETWORK_FILES) {
      const kind = name.replace('.json', '');
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', kind, join(networkDir, name)], { cwd: root, env, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`import ${kind} failed (exit ${result.status}): ${result.stdout}${result.stderr}`);
    }
    say(`network imported: ${network.stations.length} stations, ${network.vehicles.length} vehicles; ${fleetVehicles.length} trucks will drive`);
    supervisor = createSupervisor({
      children: ['ingest', 'dispatcher', 'api'].map((name) => ({
        name, command: process.execPath, args: ['--import', 'tsx', `${name}/main.ts`], env, output: join(logDir, `${name}.log`),
      })),
      onEvent: (m) => say(m),
      onFatal: (name) => say(`${name} cannot start; see ${join(logDir, `${name}.log`)}`),
    });
    supervisor.start();
    const started = Date.now();
    while (!(await fetch(`${apiUrl}/health`).then((r) => r.ok, () => false))) {
      if (Date.now() - started > 90_000) throw new Error(`the API did not become healthy; see ${logDir}`);
      await sleep(250);
    }
    await runScenario({ scenario, out, apiUrl, influxUrl: influx.url, secrets, fleetVehicles, cities, env,
      restartBroker: async (downS) => {
        await broker.stop();
        await sleep(downS * 1000);
        broker = await startMosquitto({ dir: join(out, 'stack', 'mosquitto'), port: broker.port, accounts, trucks: trucksAccounts });
      },
      brokerUrl: () => broker.url,
    });
    if (values['keep-running']) {
      say(`stack still running (API ${apiUrl}); Ctrl-C to stop`);
      await new Promise<void>((r) => onStopSignals(() => r()));
    }
  } finally {
    await supervisor?.stop();
    await stopServices();
  }
}

interface RunContext {
  scenario: Scenario;
  out: string;
  apiUrl: string;
  influxUrl: string;
  secrets: { deviceKey: string; jwtSecret: string };
  fleetVehicles: ReturnType<typeof selectFleet>;
  cities: ReturnType<typeof loadChinaCities>;
  env: Record<string, string>;
  restartBroker: (downS: number) => Promise<void>;
  brokerUrl: () => string;
}

async function runScenario(ctx: RunContext): Promise<void> {
  const { scenario } = ctx;
  const k = scenario.speedup;
  const simDurationMs = scenario.simulatedHours * 3_600_000;
  const wallDurationMs = simDurationMs / k;
  const jwt = { secret: ctx.secrets.jwtSecret };
  const adminToken = await signToken(jwt, { sub: 'scenario-runner', role: 'admin' }, '30d');
  const stockFile = readFileSync(join(ctx.out, 'network', 'stock.json'), 'utf8');
  const stocked = await fetch(`${ctx.apiUrl}/v1/import/stock`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: stockFile });
  if (!stocked.ok) throw new Error(`stock import failed: ${stocked.status} ${await stocked.text()}`);
  say(`parts stock imported: ${(JSON.parse(stockFile) as unknown[]).length} shelf lines`);

  // Device time ends about now: a compressed day never produces timestamps in the future.
  const clock = createSimClock({ start: Date.now() - simDurationMs + wallDurationMs, speedup: k });
  const params: TruckParams = {
    ...DEFAULT_TRUCK_PARAMS, reportIntervalS: scenario.fleet.intervalS, redStopPerDay: scenario.fleet.redPerDay,
    amberPerDay: scenario.fleet.amberPerDay, gapsPerDay: scenario.fleet.gapsPerDay,
  };
  const trucks = planTrucks(ctx.fleetVehicles, ctx.cities, { seed: scenario.seed, params, now: clock.now() });
  const rng = createRandom(scenario.seed ^ 0x5ce7a);
  const fleet = createFleetRuntime({
    mqttUrl: ctx.env.MQTT_URL!, topicRoot: 'fleet/v1', deviceKey: ctx.secrets.deviceKey, trucks, params, clock,
    connectRatePerS: 500, tickMs: 100, keepaliveS: 60, dropConnectionInGaps: true, rng: rng.fork(),
  });

  const silent = new Set<string>();
  const stationTokens = new Map<string, Promise<string>>();
  const customerTokens = new Map<string, Promise<string>>();
  const api = createRescueApiClient({
    baseUrl: ctx.apiUrl, watchToken: adminToken,
    stationToken: (stationId) => {
      let token = stationTokens.get(stationId);
      if (!token) stationTokens.set(stationId, (token = signToken(jwt, { sub: `sim-${stationId}`, role: 'station', stationId }, '30d')));
      return token;
    },
    customerToken: (customerId) => {
      let token = customerTokens.get(customerId);
      if (!token) customerTokens.set(customerId, (token = signToken(jwt, { sub: `sim-${customerId}`, role: 'customer', customerId }, '30d')));
      return token;
    },
  });
  const b = scenario.stations;
  const responder = createStationResponder({
    api, rng: rng.fork(), speedup: k, silentStations: silent, now: Date.now, log: () => {},
    behaviour: {
      ...DEFAULT_STATION_BEHAVIOUR,
      ...(b.accept !== undefined ? { acceptProbability: b.accept } : {}),
      ...(b.medianResponseS !== undefined ? { responseMedianS: b.medianResponseS } : {}),
      ...(b.responseSigma !== undefined ? { responseSigma: b.responseSigma } : {}),
      ...(b.towed !== undefined ? { towedShare: b.towed } : {}),
      ...(b.repairMedianMin !== undefined ? { repairMedianS: b.repairMedianMin * 60 } : {}),
    },
  });
  const callCenter = scenario.callCenter.enabled
    ? createCallCenter({ api, rng: rng.fork(), reactionMedianS: scenario.callCenter.reactionMedianS, speedup: k, unreachable: silent, now: Date.now })
    : undefined;
  const complaintDesk = scenario.callCenter.enabled
    ? createComplaintDesk({ api, rng: rng.fork(), answerMedianH: scenario.callCenter.complaintAnswerMedianH, answerSigma: 1, speedup: k, now: Date.now })
    : undefined;
  let lastDeskPoll = 0;
  let responderBusy = false;
  let lastPoll = 0;
  const responderLoop = setInterval(() => {
    if (responderBusy) return;
    responderBusy = true;
    void (async () => {
      try {
        if (Date.now() - lastPoll >= 250) {
          lastPoll = Date.now();
          await responder.poll().catch(() => undefined);
          await callCenter?.poll().catch(() => undefined);
        }
        if (complaintDesk && Date.now() - lastDeskPoll >= 1000) {
          lastDeskPoll = Date.now();
          await complaintDesk.poll().catch(() => undefined);
        }
        await responder.runDue();
      } finally {
        responderBusy = false;
      }
    })();
  }, 50);

  say(`connecting ${trucks.length} trucks…`);
  fleet.start();
  const connectStart = Date.now();
  while (fleet.stats().started < trucks.length) {
    if (Date.now() - connectStart > 120_000) throw new Error(`only ${fleet.stats().started}/${trucks.length} trucks connected`);
    await sleep(200);
  }
  const t0 = Date.now();
  say(`${trucks.length} trucks driving; ${scenario.simulatedHours} simulated hours take ${(wallDurationMs / 60_000).toFixed(1)} min`);

  // Events on schedule (wall time from t0).
  const timers: NodeJS.Timeout[] = [];
  const eventLog: Array<{ atH: number; kind: string; detail: string }> = [];
  const onEvent = (event: ScenarioEvent) => {
    if (event.kind === 'storm') {
      const gapMs = (event.overMin * 60_000) / k / event.breakdowns;
      let left = event.breakdowns;
      const hit = () => {
        const vins = fleet.forceBreakdowns(1, (t) => t.path.id === event.corridor);
        eventLog.push({ atH: event.atH, kind: 'storm', detail: `breakdown ${vins.join(',') || '(no driving truck on the corridor)'}` });
        if (--left > 0) timers.push(setTimeout(hit, gapMs));
      };
      hit();
    } else if (event.kind === 'station-outage') {
      const corridorNames = CORRIDORS.find((c) => c.id === event.corridor)?.cities ?? [];
      const corridorCodes = new Set(ctx.cities.filter((c) => corridorNames.includes(c.name)).map((c) => c.code));
      const ids = event.stations ?? rng.sample(readNetworkStations(ctx.out).filter((s) => corridorCodes.has(s.region)).map((s) => s.id), event.count ?? 1);
      ids.forEach((id) => silent.add(id));
      eventLog.push({ atH: event.atH, kind: 'station-outage', detail: `silent: ${ids.join(',')}` });
      timers.push(setTimeout(() => ids.forEach((id) => silent.delete(id)), (event.forMin * 60_000) / k));
    } else {
      eventLog.push({ atH: event.atH, kind: 'broker-restart', detail: `down ${event.downS} s` });
      say(`broker restart (down ${event.downS} s)`);
      void ctx.restartBroker(event.downS).then(() => say('broker back'), (err: unknown) => say(`broker restart failed: ${String(err)}`));
    }
  };
  for (const event of scenario.events) timers.push(setTimeout(() => onEvent(event), (event.atH * 3_600_000) / k));

  // Progress and ingest backlog samples.
  let maxBacklog = 0;
  const sampler = setInterval(() => {
    void (async () => {
      const s = fleet.stats();
      const stored = await influxCount(ctx.influxUrl, 'fleet', 'SELECT count(lat) FROM position').catch(() => NaN);
      if (Number.isFinite(stored)) maxBacklog = Math.max(maxBacklog, s.positionRecordsAcknowledged - stored);
      const r = responder.stats();
      const simH = ((Date.now() - t0) * k) / 3_600_000;
      say(`${simH.toFixed(1)}/${scenario.simulatedHours} h · trucks ${s.connected}/${s.trucks} · published ${s.published} (acked ${s.acknowledged}) · ` +
        `stored positions ${stored} · breakdowns ${s.redStops} · offers ${r.offersSeen} accepted ${r.accepted} declined ${r.declined}`);
    })();
  }, 5000);

  await sleep(wallDurationMs);
  timers.forEach(clearTimeout);
  clearInterval(sampler);
  say('scenario time is up: stopping the fleet…');
  const final: FleetStats = { ...(await fleet.stop()) };

  // Drain: wait until every acknowledged position record is stored (or nothing moves for 30 s).
  const drainStart = Date.now();
  let drainSeconds: number | null = null;
  let lastStored = -1;
  let lastChange = Date.now();
  for (;;) {
    const stored = await influxCount(ctx.influxUrl, 'fleet', 'SELECT count(lat) FROM position').catch(() => lastStored);
    if (stored >= final.positionRecordsAcknowledged) {
      drainSeconds = Math.round((Date.now() - drainStart) / 100) / 10;
      break;
    }
    if (stored !== lastStored) [lastStored, lastChange] = [stored, Date.now()];
    if (Date.now() - lastChange > 30_000 || Date.now() - drainStart > 300_000) break;
    await sleep(500);
  }
  // Let the last breakdowns run through their launch window.
  const windowWallMs = Number(ctx.env.RESCUE_LAUNCH_WINDOW_S ?? 900) * 1000;
  say(`waiting ${(windowWallMs / 1000 + 3).toFixed(0)} s for the last launch windows…`);
  await sleep(windowWallMs + 3000);
  clearInterval(responderLoop);

  const cases = new Map<string, CaseForKpi>();
  for (const status of CASE_STATUSES) {
    const res = await fetch(`${ctx.apiUrl}/v1/rescues?status=${status}&limit=1000`, { headers: { authorization: `Bearer ${adminToken}` } });
    const body = (await res.json()) as { items?: CaseForKpi[] };
    for (const c of body.items ?? []) cases.set(c.id, c);
  }
  const [positionPointsStored, dm1PointsStored] = await Promise.all([
    influxCount(ctx.influxUrl, 'fleet', 'SELECT count(lat) FROM position'),
    influxCount(ctx.influxUrl, 'fleet', 'SELECT count(dtcCount) FROM dm1'),
  ]);
  const report = computeKpis({
    scenario, cases: [...cases.values()], breakdownsInjected: final.redStops,
    messages: {
      published: final.published, acknowledged: final.acknowledged, failed: final.failed,
      positionRecordsPublished: final.positionRecordsPublished, positionRecordsAcknowledged: final.positionRecordsAcknowledged,
      positionPointsStored, dm1Published: final.dm1Published, dm1Acknowledged: final.dm1Acknowledged, dm1PointsStored,
    },
    ingest: { drainSeconds, maxBacklogRecords: maxBacklog },
  });
  const simNow = clock.now();
  const wallNow = Date.now();
  const complaints = await api.complaints();
  report.repairs.complaints = computeComplaintKpis(complaints, {
    simAt: (wallMs) => simNow - (wallNow - wallMs) * k, simEnd: simNow,
    workingDays: Number(ctx.env.COMPLAINT_ANSWER_WORKING_DAYS ?? 2), calendar: SEEDED_CALENDAR,
  });
  const full = {
    ...report, complaintDesk: complaintDesk?.stats(), rescueTimers: scaledRescueEnv(k), fleet: final, stations: responder.stats(), callCenter: callCenter?.stats(), events: eventLog,
  };
  writeFileSync(join(ctx.out, 'report.json'), JSON.stringify(full, null, 2) + '\n');
  writeFileSync(join(ctx.out, 'report.html'), renderReportHtml(report));
  const { timeToLaunchSamples: _samples, ...summary } = report;
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  say(`report: ${join(ctx.out, 'report.html')} and report.json`);
}

function readNetworkStations(out: string): Array<{ id: string; region: string }> {
  return JSON.parse(readFileSync(join(out, 'network', 'stations.json'), 'utf8')) as Array<{ id: string; region: string }>;
}

main().then(() => process.exit(0), (err: unknown) => {
  if (err instanceof CliOptionError) {
    process.stderr.write(`scenario: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`scenario: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
