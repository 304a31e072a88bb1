// A private stack for fault tests: its own redis-server, mosquitto and influxd (so that stopping,
// stalling or restarting one of them disturbs no other test file), plus our processes spawned for real.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devicePassword } from '../../core/device-credentials.ts';
import { startInflux, startMosquitto, startRedis, type LocalService } from '../../infra/local-services.ts';
import { spawnService, type ServiceProcess } from '../harness/processes.ts';

export const FAULT_DEVICE_KEY = 'fault-suite-device-key';
export const FAULT_JWT_SECRET = 'fault-suite-jwt-secret-0123456789abcdef';
const accounts = {
  ingester: { username: 'ingester', password: 'fault-ingester' },
  ops: { username: 'ops', password: 'fault-ops' },
};

export interface FaultStack {
  readonly dir: string;
  redis: LocalService;
  mosquitto: LocalService;
  influx: LocalService;
  readonly accounts: typeof accounts;
  /** Base environment of our processes against this stack. */
  env(extra?: Record<string, string>): Record<string, string>;
  spawn(name: string, entry: string, extra?: Record<string, string>): ServiceProcess;
  restart(service: 'redis' | 'mosquitto' | 'influx', how?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultStack(opts: { trucks: readonly string[] }): Promise<FaultStack> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-rescue-faults-'));
  const trucks = opts.trucks.map((vin) => ({ username: vin, password: devicePassword(FAULT_DEVICE_KEY, vin) }));
  const startMqtt = (port?: number) =>
    startMosquitto({ dir: join(dir, 'mosquitto'), accounts, trucks, ...(port ? { port } : {}) });
  const [redis, mosquitto, influx] = await Promise.all([
    startRedis({ dir: join(dir, 'redis') }),
    startMqtt(),
    startInflux({ dir: join(dir, 'influx') }),
  ]);
  const processes: ServiceProcess[] = [];

  const stack: FaultStack = {
    dir,
    redis,
    mosquitto,
    influx,
    accounts,
    env: (extra = {}) => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      REDIS_URL: stack.redis.url,
      MQTT_URL: stack.mosquitto.url,
      MQTT_USERNAME: accounts.ingester.username,
      MQTT_PASSWORD: accounts.ingester.password,
      INFLUX_URL: stack.influx.url,
      INFLUX_DB: 'faults',
      LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'warn',
      JWT_SECRET: FAULT_JWT_SECRET,
      DEVICE_KEY: FAULT_DEVICE_KEY,
      ...extra,
    }),
    spawn(name, entry, extra = {}) {
      const child = spawnService(entry, stack.env(extra));
      processes.push(child);
      return child;
    },
    async restart(service, how = 'SIGTERM') {
      const current = stack[service];
      if (how === 'SIGKILL') {
        current.child.kill('SIGKILL');
        await new Promise((r) => current.child.once('exit', r));
      } else {
        await current.stop();
      }
      // Same directory and port: clients reconnect to the same address and find their persisted state.
      if (service === 'redis') stack.redis = await startRedis({ dir: join(dir, 'redis'), port: current.port });
      if (service === 'mosquitto') stack.mosquitto = await startMqtt(current.port);
      if (service === 'influx') stack.influx = await startInflux({ dir: join(dir, 'influx'), port: current.port });
    },
    async close() {
      for (const child of processes) child.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.exited()));
      await Promise.all([stack.redis.stop(), stack.mosquitto.stop(), stack.influx.stop()]);
      if (!process.env.KEEP_FAULT_DIR) rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
