// The ingester's configuration (environment → typed, frozen), read once in ingest/main.ts.
import { join } from 'node:path';
import {
  ConfigError, deepFreeze, optionalString, readCommonConfig, readInfluxConfig, readMqttConfig, requireInt,
  type CommonConfig, type Env, type InfluxConfig, type MqttConfig,
} from '../infra/config.ts';

export interface IngestConfig {
  readonly common: CommonConfig;
  readonly mqtt: MqttConfig;
  readonly influx: InfluxConfig;
  /** Persistent-session client id; stable across restarts, distinct per ingester instance. */
  readonly clientId: string;
  readonly spoolDir: string;
  /** 0 = no metrics endpoint. */
  readonly metricsPort: number;
  readonly batchMaxMessages: number;
  /** Least ms between two spool reads while the pipeline keeps up (batches fill meanwhile). */
  readonly batchLingerMs: number;
  /** Batches whose InfluxDB writes may overlap. */
  readonly inFlightBatches: number;
  readonly fsyncIntervalMs: number;
  readonly influxTimeoutMs: number;
  /** MQTT shared-subscription group (`$share/<group>/…`), or undefined for a plain subscription. */
  readonly shareGroup: string | undefined;
  /** mqtt.js's own debug output, on when `DEBUG` names `mqttjs` (the `debug` package's convention). */
  readonly mqttDebug: boolean;
}

export function readIngestConfig(env: Env, defaults: { hostname: string; cwd: string }): IngestConfig {
  const clientId = optionalString(env, 'INGEST_CLIENT_ID') ?? `ingest-${defaults.hostname}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(clientId)) {
    throw new ConfigError('INGEST_CLIENT_ID', `must be 1–64 characters of A-Z a-z 0-9 _ - (got "${clientId}")`);
  }
  // `none`: a plain subscription. Mosquitto 2.0 does not restore `$share` subscriptions of a persistent
  // session after a broker restart (docs/scaling.md), so a single ingester on Mosquitto should use `none`.
  const shareGroup = optionalString(env, 'INGEST_SHARE_GROUP') ?? 'ingest';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(shareGroup)) {
    throw new ConfigError('INGEST_SHARE_GROUP', `must be a group name of A-Z a-z 0-9 _ - or "none" (got "${shareGroup}")`);
  }
  return deepFreeze({
    shareGroup: shareGroup === 'none' ? undefined : shareGroup,
    mqttDebug: /mqttjs/.test(optionalString(env, 'DEBUG') ?? ''),
    common: readCommonConfig(env),
    mqtt: readMqttConfig(env, 'ingester'),
    influx: readInfluxConfig(env),
    clientId,
    spoolDir: optionalString(env, 'INGEST_SPOOL_DIR') ?? join(defaults.cwd, '.data', 'spool', clientId),
    metricsPort: requireInt(env, 'INGEST_METRICS_PORT', { fallback: 9464, min: 0, max: 65535 }),
    batchMaxMessages: requireInt(env, 'INGEST_BATCH_MAX', { fallback: 5000, min: 1, max: 100_000 }),
    batchLingerMs: requireInt(env, 'INGEST_BATCH_LINGER_MS', { fallback: 100, min: 0, max: 5000 }),
    inFlightBatches: requireInt(env, 'INGEST_IN_FLIGHT_BATCHES', { fallback: 1, min: 1, max: 8 }),
    fsyncIntervalMs: requireInt(env, 'INGEST_FSYNC_INTERVAL_MS', { fallback: 1000, min: 10, max: 60_000 }),
    influxTimeoutMs: requireInt(env, 'INGEST_INFLUX_TIMEOUT_MS', { fallback: 10_000, min: 100, max: 300_000 }),
  });
}
