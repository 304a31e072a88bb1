import { describe, expect, it } from 'vitest';
import { ConfigError, readCommonConfig, readInfluxConfig, readMqttConfig, requireInt } from '../../infra/config.ts';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration from the environment', () => {
  it('reads a valid common configuration with defaults', () => {
    const config = readCommonConfig({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(config).toEqual({
      redisMode: 'standalone', redisUrl: 'redis://127.0.0.1:6379', redisPrefix: 'fr', logLevel: 'info', redisWaitReplicas: 0, redisWaitTimeoutMs: 1000,
    });
  });

  it('names the variable when a URL is malformed or missing', () => {
    expect(message(() => readCommonConfig({ REDIS_URL: 'foo' }))).toMatch(/^REDIS_URL must be a URL/);
    expect(message(() => readCommonConfig({}))).toBe('REDIS_URL is required but not set');
    expect(message(() => readCommonConfig({ REDIS_URL: 'http://x:1' }))).toMatch(/^REDIS_URL must use redis:/);
    expect(message(() => readCommonConfig({ REDIS_URL: 'redis://x:1', LOG_LEVEL: 'loud' }))).toMatch(/^LOG_LEVEL must be one of/);
  });

  it('selects InfluxDB 1.x by INFLUX_DB and 2.x by org/bucket/token', () => {
    expect(readInfluxConfig({ INFLUX_URL: 'http://h:8086', INFLUX_DB: 'fleet' })).toEqual({ version: 1, url: 'http://h:8086', database: 'fleet' });
    expect(readInfluxConfig({ INFLUX_URL: 'http://h:8086', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b', INFLUX_TOKEN: 't' })).toEqual({
      version: 2, url: 'http://h:8086', org: 'o', bucket: 'b', token: 't',
    });
    expect(message(() => readInfluxConfig({ INFLUX_URL: 'http://h:8086' }))).toMatch(/^INFLUX_DB is required/);
    expect(message(() => readInfluxConfig({ INFLUX_URL: 'http://h:8086', INFLUX_ORG: 'o' }))).toBe('INFLUX_BUCKET is required but not set');
  });

  it('rejects wildcards in the MQTT topic root', () => {
    expect(message(() => readMqttConfig({ MQTT_URL: 'mqtt://h:1883', MQTT_TOPIC_ROOT: 'fleet/#' }))).toMatch(/^MQTT_TOPIC_ROOT/);
    expect(readMqttConfig({ MQTT_URL: 'mqtt://h:1883' }).topicRoot).toBe('fleet/v1');
  });

  it('range-checks integers', () => {
    expect(requireInt({ API_PORT: '8080' }, 'API_PORT', { fallback: 3000, min: 1, max: 65535 })).toBe(8080);
    expect(requireInt({}, 'API_PORT', { fallback: 3000 })).toBe(3000);
    expect(message(() => requireInt({ API_PORT: '80a' }, 'API_PORT'))).toBe('API_PORT must be an integer (got "80a")');
    expect(message(() => requireInt({ API_PORT: '70000' }, 'API_PORT', { max: 65535 }))).toBe('API_PORT must be ≤ 65535 (got 70000)');
  });
});
