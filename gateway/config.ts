// The gateway's configuration (environment → typed, frozen), read once in gateway/main.ts.
// Every variable is documented in docs/jt808.md and the README configuration table.
import {
  ConfigError, deepFreeze, optionalString, readCommonConfig, readMqttConfig, requireInt, requireString,
  type CommonConfig, type Env, type MqttConfig,
} from '../infra/config.ts';

export interface GatewayConfig {
  readonly common: CommonConfig;
  readonly mqtt: MqttConfig;
  /** MQTT client id (where the broker binds client ids to usernames, the username wins). */
  readonly clientId: string;
  readonly host: string;
  readonly port: number;
  /** Prometheus /metrics and /health; 0 = none. */
  readonly metricsPort: number;
  /** The heartbeat interval terminals are configured with; a connection silent for 3 of them is closed. */
  readonly heartbeatMs: number;
  /** A connection must authenticate within this time. */
  readonly authTimeoutMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  /** Rejected frames (bad framing, frames before authentication …) after which a connection is closed. */
  readonly maxBadFrames: number;
  /** Sub-packaged messages: packages per message, messages in reassembly per connection, time to complete. */
  readonly maxPackagesPerMessage: number;
  readonly maxPendingMessages: number;
  readonly reassemblyTimeoutMs: number;
  /** Messages of one terminal published and not yet acknowledged by the broker before its socket is paused. */
  readonly maxInFlightPerTerminal: number;
}

/**
 * JT808_MQTT_USERNAME / JT808_MQTT_PASSWORD take precedence over MQTT_USERNAME / MQTT_PASSWORD, so `npm start`
 * (one environment for every process) can give the gateway its own broker account.
 */
function gatewayMqtt(mqtt: MqttConfig, env: Env): MqttConfig {
  const username = optionalString(env, 'JT808_MQTT_USERNAME');
  const password = optionalString(env, 'JT808_MQTT_PASSWORD');
  return { ...mqtt, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

export function readGatewayConfig(env: Env, defaults: { hostname: string }): GatewayConfig {
  const clientId = optionalString(env, 'JT808_MQTT_CLIENT_ID') ?? `gateway-${defaults.hostname}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(clientId)) {
    throw new ConfigError('JT808_MQTT_CLIENT_ID', `must be 1–64 characters of A-Z a-z 0-9 _ - (got "${clientId}")`);
  }
  const host = requireString(env, 'JT808_HOST', '0.0.0.0');
  if (!/^[A-Za-z0-9.:_-]{1,255}$/.test(host)) throw new ConfigError('JT808_HOST', `must be a host name or IP address (got "${host}")`);
  return deepFreeze({
    common: readCommonConfig(env),
    mqtt: gatewayMqtt(readMqttConfig(env, 'gateway'), env),
    clientId,
    host,
    port: requireInt(env, 'JT808_PORT', { fallback: 6808, min: 0, max: 65535 }),
    metricsPort: requireInt(env, 'JT808_METRICS_PORT', { fallback: 9466, min: 0, max: 65535 }),
    heartbeatMs: requireInt(env, 'JT808_HEARTBEAT_S', { fallback: 60, min: 1, max: 3600 }) * 1000,
    authTimeoutMs: requireInt(env, 'JT808_AUTH_TIMEOUT_S', { fallback: 30, min: 1, max: 600 }) * 1000,
    maxConnections: requireInt(env, 'JT808_MAX_CONNECTIONS', { fallback: 15_000, min: 1, max: 1_000_000 }),
    maxConnectionsPerAddress: requireInt(env, 'JT808_MAX_CONNECTIONS_PER_ADDRESS', { fallback: 20, min: 1, max: 1_000_000 }),
    maxBadFrames: requireInt(env, 'JT808_MAX_BAD_FRAMES', { fallback: 10, min: 1, max: 100_000 }),
    maxPackagesPerMessage: requireInt(env, 'JT808_MAX_PACKAGES', { fallback: 64, min: 2, max: 1024 }),
    maxPendingMessages: requireInt(env, 'JT808_MAX_PENDING_MESSAGES', { fallback: 4, min: 1, max: 64 }),
    reassemblyTimeoutMs: requireInt(env, 'JT808_REASSEMBLY_TIMEOUT_S', { fallback: 60, min: 1, max: 3600 }) * 1000,
    maxInFlightPerTerminal: requireInt(env, 'JT808_MAX_IN_FLIGHT', { fallback: 64, min: 1, max: 10_000 }),
  });
}
