import { describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { createRedis } from '../../infra/redis.ts';
import { testServices } from '../harness/context.ts';

const services = testServices('harness');

describe('test harness services', () => {
  it('redis answers and runs with AOF + noeviction', async () => {
    const redis = createRedis(services, 'fail-fast');
    try {
      expect(await redis.ping()).toBe('PONG');
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    } finally {
      redis.disconnect();
    }
  });

  it('mosquitto refuses anonymous clients and accepts the ops account', async () => {
    const anonymous = await mqtt
      .connectAsync(services.mqttUrl, { reconnectPeriod: 0, connectTimeout: 5000 })
      .then((c) => { void c.endAsync(); return 'connected'; })
      .catch((err: Error) => err.message);
    expect(anonymous).toMatch(/Not authorized|Bad username or password/i);
    const ops = await mqtt.connectAsync(services.mqttUrl, {
      username: services.accounts.ops.username,
      password: services.accounts.ops.password,
      reconnectPeriod: 0,
    });
    expect(ops.connected).toBe(true);
    await ops.endAsync();
  });

  it('influxd answers the 1.x HTTP API', async () => {
    const ping = await fetch(`${services.influxUrl}/ping`);
    expect(ping.status).toBe(204);
    expect(ping.headers.get('x-influxdb-version')).toMatch(/^1\./);
    const v2 = await fetch(`${services.influxUrl}/api/v2/write?bucket=x&org=y`, { method: 'POST', body: 'm v=1' });
    expect(v2.status).toBe(404);
  });
});
