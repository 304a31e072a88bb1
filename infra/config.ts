// Environment → typed, frozen configuration. Read once in a process's main.ts, then passed down.
// Every failure is a ConfigError whose message is one line naming the variable.

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly variable: string, problem: string) {
    super(`${variable} ${problem}`);
  }
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function requireString(env: Env, name: string, fallback?: string): string {
  const value = raw(env, name) ?? fallback;
  if (value === undefined) throw new ConfigError(name, 'is required but not set');
  return value;
}

export function optionalString(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function requireUrl(env: Env, name: string, protocols: readonly string[], fallback?: string): string {
  const value = requireString(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `must be a URL like ${protocols[0]}//host:port (got "${value}")`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')} (got "${parsed.protocol}" in "${value}")`);
  }
  if (!parsed.hostname) throw new ConfigError(name, `must name a host (got "${value}")`);
  return value;
}

/** A comma-separated list of URLs (cluster seed nodes), each checked as `requireUrl` does. */
export function requireUrlList(env: Env, name: string, protocols: readonly string[]): string {
  const value = requireString(env, name);
  const urls = value.split(',').map((url) => url.trim());
  for (const url of urls) {
    if (!url) throw new ConfigError(name, `must be a comma-separated list of URLs like ${protocols[0]}//host:port (got "${value}")`);
    requireUrl({ [name]: url }, name, protocols);
  }
  return urls.join(',');
}

export function requireInt(
  env: Env,
  name: string,
  opts: { fallback?: number; min?: number; max?: number } = {},
): number {
  const text = raw(env, name);
  if (text === undefined) {
    if (opts.fallback === undefined) throw new ConfigError(name, 'is required but not set');
    return opts.fallback;
  }
  if (!/^-?\d+$/.test(text)) throw new ConfigError(name, `must be an integer (got "${text}")`);
  const value = Number(text);
  if (opts.min !== undefined && value < opts.min) throw new ConfigError(name, `must be ≥ ${opts.min} (got ${value})`);
  if (opts.max !== undefined && value > opts.max) throw new ConfigError(name, `must be ≤ ${opts.max} (got ${value})`);
  return value;
}

export function requireNumber(
  env: Env,
  name: string,
  opts: { fallback?: number; min?: number; max?: number } = {},
): number {
  const text = raw(env, name);
  if (text === undefined) {
    if (opts.fallback === undefined) throw new ConfigError(name, 'is required but not set');
    return opts.fallback;
  }
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ConfigError(name, `must be a number (got "${text}")`);
  if (opts.min !== undefined && value < opts.min) throw new ConfigError(name, `must be ≥ ${opts.min} (got ${value})`);
  if (opts.max !== undefined && value > opts.max) throw new ConfigError(name, `must be ≤ ${opts.max} (got ${value})`);
  return value;
}

export function requireOneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

// ---- groups shared by several processes ----

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `standalone`: one Redis (REDIS_URL one URL). `cluster`: Redis Cluster (REDIS_URL a comma-separated list of seed nodes). */
export const REDIS_MODES = ['standalone', 'cluster'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

/** A cluster's masters each have a replica to wait for; a standalone Redis (AOF on one box) has none. */
export function defaultWaitReplicas(mode: RedisMode): number {
  return mode === 'cluster' ? 1 : 0;
}

export interface CommonConfig {
  /** `standalone` (default) or `cluster` (infra/redis.ts). */
  readonly redisMode: RedisMode;
  /** One URL; in cluster mode a comma-separated list of seed nodes. */
  readonly redisUrl: string;
  /** Replicas a system-of-record commit (a rescue case) waits for (`WAIT`) before it is acknowledged; 1 on a
   *  cluster, 0 on a standalone Redis by default. */
  readonly redisWaitReplicas: number;
  /** How long such a commit waits for them at most (ms). */
  readonly redisWaitTimeoutMs: number;
  /** Prefix for every Redis key and BullMQ queue of this deployment (lets several stacks share one Redis);
   *  REDIS_PREFIX as a {hash tag} in cluster mode. */
  readonly redisPrefix: string;
  readonly logLevel: LogLevel;
}

export function readCommonConfig(env: Env): CommonConfig {
  const redisPrefix = requireString(env, 'REDIS_PREFIX', 'fr');
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(redisPrefix)) {
    throw new ConfigError('REDIS_PREFIX', `must be 1–40 characters of A-Z a-z 0-9 _ . - (got "${redisPrefix}")`);
  }
  const redisMode = requireOneOf(env, 'REDIS_MODE', REDIS_MODES, 'standalone');
  return {
    redisMode,
    redisUrl: redisMode === 'cluster' ? requireUrlList(env, 'REDIS_URL', ['redis:', 'rediss:']) : requireUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    // On a cluster the prefix is a {hash tag}: every key of the deployment's control plane (registry, cases, queues,
    // accounts, …) shares one slot, so its multi-key scripts and transactions stay atomic. The keys that carry the
    // volume (vehicles' live state) leave the tag out and spread by VIN (core/keys.ts, docs/scaling.md).
    redisPrefix: redisMode === 'cluster' ? `{${redisPrefix}}` : redisPrefix,
    redisWaitReplicas: requireInt(env, 'REDIS_WAIT_REPLICAS', { fallback: defaultWaitReplicas(redisMode), min: 0, max: 5 }),
    redisWaitTimeoutMs: requireInt(env, 'REDIS_WAIT_TIMEOUT_MS', { fallback: 1000, min: 1, max: 60_000 }),
    logLevel: requireOneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}

export interface MqttConfig {
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Topic root of the device contract; `fleet/v1` in every deployment, changed only to isolate test namespaces. */
  readonly topicRoot: string;
}

export function readMqttTopicRoot(env: Env): string {
  const topicRoot = requireString(env, 'MQTT_TOPIC_ROOT', 'fleet/v1');
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(topicRoot)) {
    throw new ConfigError('MQTT_TOPIC_ROOT', `must be slash-separated words without wildcards (got "${topicRoot}")`);
  }
  return topicRoot;
}

export function readMqttConfig(env: Env, defaultUsername?: string): MqttConfig {
  const topicRoot = readMqttTopicRoot(env);
  return {
    url: requireUrl(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:']),
    username: optionalString(env, 'MQTT_USERNAME') ?? defaultUsername,
    password: optionalString(env, 'MQTT_PASSWORD'),
    topicRoot,
  };
}

export type InfluxConfig =
  | { readonly version: 1; readonly url: string; readonly database: string; readonly username?: string; readonly password?: string }
  | { readonly version: 2; readonly url: string; readonly org: string; readonly bucket: string; readonly token: string };

/** INFLUX_DB selects the 1.x HTTP API; INFLUX_ORG + INFLUX_BUCKET + INFLUX_TOKEN select 2.x/3.x. */
export function readInfluxConfig(env: Env): InfluxConfig {
  const url = requireUrl(env, 'INFLUX_URL', ['http:', 'https:']);
  const database = optionalString(env, 'INFLUX_DB');
  const org = optionalString(env, 'INFLUX_ORG');
  if (database !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(database)) {
      throw new ConfigError('INFLUX_DB', `must be 1–64 characters of A-Z a-z 0-9 _ - (got "${database}")`);
    }
    const username = optionalString(env, 'INFLUX_USERNAME');
    const password = optionalString(env, 'INFLUX_PASSWORD');
    return {
      version: 1,
      url,
      database,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    };
  }
  if (org === undefined) {
    throw new ConfigError('INFLUX_DB', 'is required (InfluxDB 1.x) unless INFLUX_ORG, INFLUX_BUCKET and INFLUX_TOKEN are set (2.x/3.x)');
  }
  return {
    version: 2,
    url,
    org,
    bucket: requireString(env, 'INFLUX_BUCKET'),
    token: requireString(env, 'INFLUX_TOKEN'),
  };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
