// `npm run demo` (after scripts/demo.sh has done the set-up): private Redis, Mosquitto and InfluxDB on
// loopback with their data under .data/, a generated national service network imported into the registry,
// then ingest + JT/T 808 gateway + dispatcher + maintenance scheduler + api + a simulated fleet (most trucks over
// MQTT, a few as JT/T 808 terminals through the gateway) + simulated stations under one supervisor.
// Ctrl-C stops everything; a second run reuses .data/.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { devicePassword } from '../core/device-credentials.ts';
import type { Advisor, Customer, Station, Vehicle } from '../core/registry.ts';
import { signToken } from '../infra/jwt.ts';
import { startInflux, startMosquitto, startRedis, type LocalService } from '../infra/local-services.ts';
import { createSupervisor, type ChildSpec } from '../infra/supervisor.ts';
import { NETWORK_FILES } from '../simulators/network.ts';
import { selectFleet } from '../simulators/fleet-plan.ts';
import { onStopSignals } from '../infra/shutdown.ts';
import { readCommonConfig } from '../infra/config.ts';
import { readMaintenanceConfig } from '../infra/maintenance-config.ts';
import { createMaintenanceStore } from '../infra/maintenance-store.ts';
import { createRedis } from '../infra/redis.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createRepairSettingsStore } from '../infra/repair-settings-store.ts';
import { DEFAULT_MAINTENANCE_PLANS } from '../core/maintenance-plan.ts';
import { seedDemoServiceHistory } from '../maintenance/demo-history.ts';
import { SCHEDULER_NODE_FLAGS } from '../scheduler/config.ts';
import { createMaintenanceService } from '../maintenance/maintenance-service.ts';

const root = resolve(import.meta.dirname, '..');
const dataDir = join(root, '.data');
const logDir = join(dataDir, 'logs');
const networkDir = join(dataDir, 'network');
const apiPort = Number(process.env.API_PORT ?? 3000);
const fleetSize = Number(process.env.DEMO_TRUCKS ?? 200);
const jt808FleetSize = Number(process.env.DEMO_JT808_TRUCKS ?? 20);
const jt808Port = Number(process.env.JT808_PORT ?? 6808);

interface DemoSecrets {
  jwtSecret: string;
  deviceKey: string;
  ingesterPassword: string;
  opsPassword: string;
  apiPassword: string;
  gatewayPassword: string;
  /** Sign-in password of each demo user (one user per role). */
  userPasswords: Record<string, string>;
}

/**
 * The number of this demo run (1, 2, …, kept in .data/demo-runs), used as the fleet's seed: a run on the
 * data of an earlier one drives other trucks, so its scheduled breakdowns do not fall on trucks whose
 * cases from the earlier run are still open (a new fault would attach to that case: no new offer).
 */
function nextRunNumber(): number {
  const file = join(dataDir, 'demo-runs');
  const previous = existsSync(file) ? Number.parseInt(readFileSync(file, 'utf8'), 10) : 0;
  const run = Number.isSafeInteger(previous) && previous >= 0 && previous < 2 ** 31 ? previous + 1 : 1;
  writeFileSync(file, `${run}\n`);
  return run;
}

/** Generated once, kept in .data/secrets.json; a secret added by a newer version is generated on first need. */
function loadSecrets(): DemoSecrets {
  const file = join(dataDir, 'secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoSecrets>) : {};
  const fresh = (bytes: number) => randomBytes(bytes).toString('base64url');
  const secrets: DemoSecrets = {
    jwtSecret: stored.jwtSecret ?? fresh(32),
    deviceKey: stored.deviceKey ?? fresh(32),
    ingesterPassword: stored.ingesterPassword ?? fresh(18),
    opsPassword: stored.opsPassword ?? fresh(18),
    apiPassword: stored.apiPassword ?? fresh(18),
    gatewayPassword: stored.gatewayPassword ?? fresh(18),
    userPasswords: stored.userPasswords ?? Object.fromEntries(['admin', 'agent', 'advisor', 'customer', 'station'].map((role) => [role, fresh(12)])),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function say(message: string): void {
  process.stdout.write(`demo: ${message}\n`);
}

function runStep(title: string, args: string[], env: Record<string, string>): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${title} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
}

/**
 * A plausible service history for the imported fleet (maintenance/demo-history.ts), recorded through the maintenance
 * service as an admin would with POST /v1/vehicles/{vin}/services — before the scheduler's first scan, which would
 * otherwise find every truck overdue. Vehicles that have a history already (an earlier run) are left alone.
 */
async function seedServiceHistory(env: Record<string, string>, vehicles: readonly Vehicle[]): Promise<void> {
  const common = readCommonConfig(env);
  const maintenanceConfig = readMaintenanceConfig(env);
  const redis = createRedis(common, 'fail-fast');
  try {
    const prefix = common.redisPrefix;
    const store = createMaintenanceStore({ redis, prefix });
    await store.seedPlans(DEFAULT_MAINTENANCE_PLANS); // as the scheduler does on start
    const maintenance = createMaintenanceService({
      store, registry: createRegistryStore({ redis, prefix }), scope: { customers: async () => ({ all: true }) },
      rules: maintenanceConfig.rules, warranty: createRepairSettingsStore({ redis, prefix }),
      serviceDay: { dayOfMonth: maintenanceConfig.serviceDayOfMonth, nearDays: maintenanceConfig.serviceDayNearDays }, now: () => Date.now(),
    });
    const seeded = await seedDemoServiceHistory({ maintenance, store, caller: { sub: 'demo-seed', role: 'admin' }, now: () => Date.now() }, vehicles.map((v) => ({ ...v, active: v.active !== false })));
    if (seeded.vehicles > 0) say(`service history: ${seeded.services} services for ${seeded.vehicles} trucks (a few are due soon or overdue)`);
  } finally {
    redis.disconnect();
  }
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

async function main(): Promise<void> {
  mkdirSync(logDir, { recursive: true });
  const secrets = loadSecrets();
  const runNumber = nextRunNumber();
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? root,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };

  // 1. The generated network (deterministic: seed 1) — generated once, then reused.
  if (!existsSync(join(networkDir, 'vehicles.json'))) {
    say('generating the service network (700 stations, 20 depots, real Chinese cities)…');
    runStep('network generator', ['simulators/network-cli.ts', '--stations', '700', '--depots', '20', '--seed', '1', '--out', networkDir], baseEnv);
  }
  const vehicles = readJson<Vehicle[]>(join(networkDir, 'vehicles.json'));
  // The JT/T 808 trucks come from the vehicles the MQTT fleet of this run does not drive (one device per truck).
  const mqttFleet = new Set(selectFleet(vehicles.map((v) => ({ ...v, active: v.active !== false })), fleetSize, runNumber).map((v) => v.vin));
  const jt808NetworkDir = join(dataDir, 'network-jt808');
  mkdirSync(jt808NetworkDir, { recursive: true });
  writeFileSync(join(jt808NetworkDir, 'vehicles.json'), JSON.stringify(vehicles.filter((v) => !mqttFleet.has(v.vin))));

  // 2. Backing services on loopback, data under .data/.
  const services: LocalService[] = [];
  const stopServices = async () => {
    await Promise.all(services.map((s) => s.stop()));
  };
  say('starting Redis, Mosquitto and InfluxDB on loopback…');
  const [redis, mosquitto, influx] = await Promise.all([
    startRedis({ dir: join(dataDir, 'redis') }),
    startMosquitto({
      dir: join(dataDir, 'mosquitto'),
      accounts: {
        ingester: { username: 'ingester', password: secrets.ingesterPassword },
        ops: { username: 'ops', password: secrets.opsPassword },
      },
      serviceAccounts: [{ username: 'api', password: secrets.apiPassword }],
      gateways: [{ username: 'gateway', password: secrets.gatewayPassword }],
      trucks: vehicles.map((v) => ({ username: v.vin, password: devicePassword(secrets.deviceKey, v.vin) })),
      clientIdFromUsername: true,
    }),
    startInflux({ dir: join(dataDir, 'influx') }),
  ]);
  services.push(redis, mosquitto, influx);

  const env: Record<string, string> = {
    ...baseEnv,
    REDIS_URL: redis.url,
    MQTT_URL: mosquitto.url,
    MQTT_USERNAME: 'ingester',
    MQTT_PASSWORD: secrets.ingesterPassword,
    // One ingester on Mosquitto: a plain subscription survives broker restarts (docs/scaling.md).
    INGEST_SHARE_GROUP: 'none',
    INFLUX_URL: influx.url,
    INFLUX_DB: 'fleet',
    API_PORT: String(apiPort),
    JWT_SECRET: secrets.jwtSecret,
    DEVICE_KEY: secrets.deviceKey,
    // The demo compresses the rescue clock a little so that rescues visibly move within a minute.
    STATION_OFFER_TIMEOUT_S: process.env.STATION_OFFER_TIMEOUT_S ?? '60',
  };

  try {
    // 3. Import the network into the registry (idempotent: a second run changes nothing).
    say('importing the network into the registry…');
    for (const [file, kind] of NETWORK_FILES) runStep(`import ${kind}`, ['scripts/import.ts', kind, join(networkDir, file)], env);
    say('recording the fleet\'s service history…');
    await seedServiceHistory(env, vehicles);
  } catch (err) {
    await stopServices();
    throw err;
  }

  // 4. The processes.
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const customers = readJson<Customer[]>(join(networkDir, 'customers.json'));
  const stations = readJson<Station[]>(join(networkDir, 'stations.json'));
  const advisors = readJson<Advisor[]>(join(networkDir, 'advisors.json'));
  const jwt = { secret: secrets.jwtSecret };
  const child = (name: string, args: string[], extra: Record<string, string> = {}): ChildSpec => ({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', ...args],
    env: { ...env, ...extra },
    output: join(logDir, `${name}.log`),
  });
  const supervisor = createSupervisor({
    children: [
      child('ingest', ['ingest/main.ts']),
      // Its own broker account (publish-only, any VIN); JT/T 808 terminals connect on JT808_PORT.
      child('gateway', ['gateway/main.ts'], {
        MQTT_USERNAME: 'gateway', MQTT_PASSWORD: secrets.gatewayPassword, JT808_HOST: '127.0.0.1', JT808_PORT: String(jt808Port),
      }),
      child('dispatcher', ['dispatcher/main.ts']),
      child('scheduler', [...SCHEDULER_NODE_FLAGS, 'scheduler/main.ts']),
      // Each process its own broker account: client ids are bound to usernames (no session takeover).
      child('api', ['api/main.ts'], { MQTT_USERNAME: 'api', MQTT_PASSWORD: secrets.apiPassword }),
      // A few scheduled breakdowns (seconds after start) so that rescues happen within the first minutes,
      // on top of the fleet's random fault rates.
      child('fleet', [
        'simulators/fleet-cli.ts', '--network', networkDir, '--trucks', String(fleetSize), '--interval', '10', '--seed', String(runNumber),
        '--breakdowns-at', '20,45,90,150,240,400,600', '--quiet',
      ]),
      // A few trucks as JT/T 808 terminals (2013 and 2019 mixed): bound, registered and authenticated through the
      // gateway, which turns their frames into the same MQTT contract. They retry until the gateway listens.
      child('fleet-jt808', [
        'simulators/fleet-cli.ts', '--protocol', 'jt808', '--gateway', `127.0.0.1:${jt808Port}`, '--network', jt808NetworkDir,
        '--trucks', String(jt808FleetSize), '--interval', '10', '--seed', String(runNumber), '--quiet',
      ]),
      // Each simulated station signs its own station-role token with JWT_SECRET.
      child('stations', ['simulators/stations-cli.ts', '--api', apiUrl, '--median-response-s', '20', '--call-center', '--quiet']),
    ],
    onEvent: (m) => say(m),
    onFatal: (name) => {
      say(`${name} cannot start; see ${join(logDir, `${name}.log`)}`);
      void shutdown(1);
    },
  });

  let exiting = false;
  async function shutdown(code: number): Promise<void> {
    if (exiting) return;
    exiting = true;
    say('stopping…');
    await supervisor.stop();
    await stopServices();
    say('stopped.');
    process.exit(code);
  }
  onStopSignals(() => void shutdown(0));
  supervisor.start();

  // 5. Wait for the API, then tell the user where to look.
  // Generous: on a busy machine eight processes compile their TypeScript at once.
  const started = Date.now();
  let healthy = false;
  while (!healthy && Date.now() - started < 180_000) {
    healthy = await fetch(`${apiUrl}/health`).then((r) => r.ok, () => false);
    if (!healthy) await new Promise((r) => setTimeout(r, 250));
  }
  if (!healthy) {
    say(`the API did not answer ${apiUrl}/health within 180 s; see ${join(logDir, 'api.log')}`);
    return shutdown(1);
  }
  const tokens = {
    admin: await signToken(jwt, { sub: 'demo-admin', role: 'admin' }, '30d'),
    agent: await signToken(jwt, { sub: 'demo-agent', role: 'agent' }, '30d'),
    advisor: await signToken(jwt, { sub: 'demo-advisor', role: 'advisor', advisorId: advisors[0]!.id }, '30d'),
    customer: await signToken(jwt, { sub: 'demo-customer', role: 'customer', customerId: customers[0]!.id }, '30d'),
    station: await signToken(jwt, { sub: 'demo-station', role: 'station', stationId: stations[0]!.id }, '30d'),
  };
  writeFileSync(join(dataDir, 'demo-tokens.json'), JSON.stringify(tokens, null, 2), { mode: 0o600 });
  // One user per role, so a newcomer signs in with a name; made through the API as an admin would.
  const users = [
    { role: 'admin', username: 'demo.admin', displayName: '管理员 Demo Admin' },
    { role: 'agent', username: 'demo.agent', displayName: '坐席 Demo Agent' },
    { role: 'advisor', username: 'demo.advisor', displayName: '服务顾问 Demo Advisor', advisorId: advisors[0]!.id },
    { role: 'customer', username: 'demo.customer', displayName: '车队 Demo Customer', customerId: customers[0]!.id },
    { role: 'station', username: 'demo.station', displayName: '服务站 Demo Station', stationId: stations[0]!.id },
  ];
  for (const user of users) {
    const response = await fetch(`${apiUrl}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...user, password: secrets.userPasswords[user.role] }),
    }).catch((err: unknown) => {
      say(`could not create the demo user ${user.username}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    if (!response) continue;
    // 409: made by an earlier run on the same data, with the same stored password.
    if (!response.ok && response.status !== 409) say(`could not create the demo user ${user.username}: ${response.status} ${await response.text()}`);
  }
  process.stdout.write(
    [
      '',
      'Fleet rescue demo is running.',
      `  API       ${apiUrl}   (health: ${apiUrl}/health, metrics: ${apiUrl}/metrics)`,
      `  API docs  ${apiUrl}/docs`,
      `  Console   ${apiUrl}/console`,
      `  JT/T 808  tcp://127.0.0.1:${jt808Port}   (gateway; ${jt808FleetSize} simulated terminals, DEMO_JT808_TRUCKS)`,
      `  MQTT      ${mosquitto.url}   InfluxDB ${influx.url} (database fleet)   Redis ${redis.url}`,
      `  Logs      ${logDir}/`,
      `  Fleet     ${fleetSize} simulated trucks (DEMO_TRUCKS; run ${runNumber}, each run drives other trucks), stations answer offers automatically`,
      '',
      'Sign in to the console as (username / password; also in .data/secrets.json):',
      ...users.map((u) => `  ${u.role.padEnd(8)} ${u.username.padEnd(14)} ${secrets.userPasswords[u.role]}`),
      '',
      'Operator tokens for scripts and curl (also in .data/demo-tokens.json):',
      ...Object.entries(tokens).map(([role, token]) => `  ${role.padEnd(8)} ${token}`),
      '',
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
