// The gateway's environment (gateway/config.ts): defaults, overrides and one-line refusals naming the variable.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../gateway/config.ts';
import { ConfigError } from '../../infra/config.ts';

const base = { REDIS_URL: 'redis://127.0.0.1:6379', MQTT_URL: 'mqtt://127.0.0.1:1883' };

describe('gateway configuration', () => {
  it('has the documented defaults', () => {
    const config = readGatewayConfig(base, { hostname: 'box-1' });
    expect(config).toMatchObject({
      host: '0.0.0.0', port: 6808, metricsPort: 9466, heartbeatMs: 60_000, authTimeoutMs: 30_000, maxConnections: 15_000,
      maxConnectionsPerAddress: 20, maxBadFrames: 10, maxPackagesPerMessage: 64, maxPendingMessages: 4, reassemblyTimeoutMs: 60_000,
      maxInFlightPerTerminal: 64, clientId: 'gateway-box-1',
    });
    expect(config.mqtt).toMatchObject({ username: 'gateway', topicRoot: 'fleet/v1' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lets JT808_MQTT_USERNAME/PASSWORD override the shared MQTT account (npm start)', () => {
    const config = readGatewayConfig({ ...base, MQTT_USERNAME: 'ingester', MQTT_PASSWORD: 'a', JT808_MQTT_USERNAME: 'gateway', JT808_MQTT_PASSWORD: 'b' }, { hostname: 'h' });
    expect(config.mqtt).toMatchObject({ username: 'gateway', password: 'b' });
  });

  it('refuses malformed values with the variable named', () => {
    for (const [name, value] of [['JT808_PORT', '70000'], ['JT808_PORT', 'abc'], ['JT808_HEARTBEAT_S', '0'], ['JT808_HOST', 'a b'], ['JT808_MQTT_CLIENT_ID', 'x/y'], ['JT808_MAX_PACKAGES', '1']] as const) {
      expect(() => readGatewayConfig({ ...base, [name]: value }, { hostname: 'h' }), `${name}=${value}`).toThrow(ConfigError);
      try {
        readGatewayConfig({ ...base, [name]: value }, { hostname: 'h' });
      } catch (err) {
        expect((err as ConfigError).variable).toBe(name);
      }
    }
    expect(() => readGatewayConfig({ MQTT_URL: base.MQTT_URL }, { hostname: 'h' })).toThrow(/REDIS_URL/);
  });

  it('the process stops with one line and exit code 2 on a bad setting', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      env: { PATH: process.env.PATH ?? '', ...base, JT808_PORT: 'not-a-port' }, encoding: 'utf8', timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('gateway: configuration error: JT808_PORT must be an integer (got "not-a-port")');
  });
});
