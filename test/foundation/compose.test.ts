// docker-compose.yml cannot be started here (no Docker engine); this keeps it honest by reading it:
// every app service names only environment variables its process really reads, and carries the ones the
// process cannot start without; the backing services are configured the way the system relies on.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCHEDULER_NODE_FLAGS } from '../../scheduler/config.ts';

const root = resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { command?: string[]; environment?: Record<string, string>; build?: string; image?: string; volumes?: string[] }>;
};

/** Source files reachable from an entry file through relative imports. */
function reachableSources(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [resolve(root, entry)];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)) {
      queue.push(resolve(dirname(file), match[1]!));
    }
  }
  return [...seen];
}

/** Environment variable names a process can read (over-approximation: every name its sources mention). */
function variablesRead(entry: string): Set<string> {
  const names = new Set<string>();
  for (const file of reachableSources(entry)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g)) names.add(m[1]!);
    for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]!);
    for (const m of text.matchAll(/\benv\[\s*'([A-Z][A-Z0-9_]*)'\s*\]/g)) names.add(m[1]!);
  }
  return names;
}

const processes: Record<string, { entry: string; mustHave: string[] }> = {
  ingest: { entry: 'ingest/main.ts', mustHave: ['MQTT_URL', 'MQTT_USERNAME', 'MQTT_PASSWORD', 'REDIS_URL', 'INFLUX_URL', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_TOKEN'] },
  gateway: { entry: 'gateway/main.ts', mustHave: ['JT808_PORT', 'MQTT_URL', 'MQTT_USERNAME', 'MQTT_PASSWORD', 'REDIS_URL'] },
  dispatcher: { entry: 'dispatcher/main.ts', mustHave: ['REDIS_URL'] },
  scheduler: { entry: 'scheduler/main.ts', mustHave: ['REDIS_URL', 'INFLUX_URL', 'INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_TOKEN'] },
  api: { entry: 'api/main.ts', mustHave: ['REDIS_URL', 'INFLUX_URL', 'JWT_SECRET', 'API_PORT'] },
  'broker-init': { entry: 'scripts/broker-init.ts', mustHave: ['BROKER_CONFIG_DIR', 'MQTT_INGESTER_PASSWORD', 'MQTT_OPS_PASSWORD', 'MQTT_GATEWAY_PASSWORD'] },
};

describe('docker-compose.yml', () => {
  for (const [service, { entry, mustHave }] of Object.entries(processes)) {
    it(`${service}: runs ${entry} with only variables it reads, including the ones it needs`, () => {
      const definition = compose.services[service];
      expect(definition, `service ${service}`).toBeDefined();
      // The scheduler runs with its V8 flags (scheduler/config.ts), as `npm run scheduler` and the supervisor start it.
      const nodeFlags = service === 'scheduler' ? SCHEDULER_NODE_FLAGS : [];
      expect(definition!.command).toEqual(['node', ...nodeFlags, '--import', 'tsx', entry]);
      const environment = Object.keys(definition!.environment ?? {});
      const read = variablesRead(entry);
      expect(read.size).toBeGreaterThan(0);
      expect(environment.filter((name) => !read.has(name)), 'variables the process never reads').toEqual([]);
      expect(mustHave.filter((name) => !environment.includes(name)), 'required variables missing').toEqual([]);
    });
  }

  it('all app services are built from the one Dockerfile', () => {
    for (const service of Object.keys(processes)) {
      expect(compose.services[service]!.image).toBe('fleet-rescue:latest');
    }
    expect(existsSync(join(root, 'Dockerfile'))).toBe(true);
  });

  it('Redis keeps what it acknowledged and never evicts', () => {
    const command = compose.services.redis!.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('InfluxDB 2 is initialised with org, bucket and token, and maps the bucket for InfluxQL', () => {
    const env = compose.services.influxdb!.environment!;
    expect(compose.services.influxdb!.image).toMatch(/^influxdb:2/);
    expect(env.DOCKER_INFLUXDB_INIT_MODE).toBe('setup');
    expect(env.DOCKER_INFLUXDB_INIT_ORG).toBe(compose.services.ingest!.environment!.INFLUX_ORG);
    expect(env.DOCKER_INFLUXDB_INIT_BUCKET).toBe(compose.services.ingest!.environment!.INFLUX_BUCKET);
    expect(compose.services.influxdb!.volumes!.some((v) => v.includes('init-dbrp.sh'))).toBe(true);
  });

  it('Mosquitto 2 runs with persistence, a password file and an ACL, anonymous refused', () => {
    expect(compose.services.mosquitto!.image).toMatch(/^eclipse-mosquitto:2/);
    const conf = readFileSync(join(root, 'deploy/mosquitto/mosquitto.conf'), 'utf8');
    for (const line of ['allow_anonymous false', 'use_username_as_clientid true', 'persistence true', 'password_file /mosquitto/config/passwd', 'acl_file /mosquitto/config/acl']) {
      expect(conf).toContain(line);
    }
  });
});
