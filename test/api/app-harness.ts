// Builds the real API app (never listening) against the harness's Redis, InfluxDB and Mosquitto, and
// signs tokens with the same code as `npm run token`.
import mqtt, { type MqttClient } from 'mqtt';
import { buildApp, type ApiApp } from '../../api/app.ts';
import { readApiConfig } from '../../api/config.ts';
import { createApiServices, type ApiServices } from '../../api/services.ts';
import type { Role } from '../../core/auth.ts';
import { createTokenVerifier, signToken, type JwtConfig } from '../../infra/jwt.ts';
import { createRedis, deleteKeys, ensureRedisDurability, keysEverywhere, type Redis } from '../../infra/redis.ts';
import { loadRegionMap } from '../../infra/regions-data.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { testServices, type TestServices } from '../harness/context.ts';

export const TEST_JWT: JwtConfig = { secret: 'test-jwt-secret-at-least-32-characters-long' };

export interface ApiHarness {
  app: ApiApp;
  /** The services the app runs on (built by createApiServices, as api/main.ts does). */
  api: ApiServices;
  redis: Redis;
  mqtt: MqttClient;
  services: TestServices;
  token(role: Role, scope?: { customerId?: string; stationId?: string; advisorId?: string; sub?: string }): Promise<string>;
  /** Authorization header for `inject`. */
  auth(token: string): { authorization: string };
  close(): Promise<void>;
}

/**
 * `env`: configuration as the API process reads it (api/config.ts), e.g. `{ ROAD_CIRCUITY: '1.6' }`;
 * the rate limit defaults to one no test reaches.
 */
export async function startApiHarness(label: string, opts: { rateLimitMax?: number; env?: Record<string, string>; now?: () => Date } = {}): Promise<ApiHarness> {
  const services = testServices(label);
  const redis = createRedis(services, 'fail-fast', { enableAutoPipelining: true }); // as api/main.ts
  await ensureRedisDurability(redis);
  const telemetry = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
  await telemetry.ensureDatabase();
  const mqttClient = await mqtt.connectAsync(services.mqttUrl, {
    username: services.accounts.ops.username,
    password: services.accounts.ops.password,
    reconnectPeriod: 1000,
  });
  const api = createApiServices(readApiConfig({ API_RATE_LIMIT_MAX: String(opts.rateLimitMax ?? 100_000), ...opts.env }), {
    redis,
    redisPrefix: services.redisPrefix,
    tokens: await createTokenVerifier(TEST_JWT),
    telemetry,
    mqtt: mqttClient,
    regions: loadRegionMap(),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const app = await buildApp(api);
  await app.ready();
  return {
    app,
    api,
    redis,
    mqtt: mqttClient,
    services,
    token: (role, scope = {}) => {
      const { sub, ...claims } = scope;
      return signToken(TEST_JWT, { sub: sub ?? `${role}-${claims.customerId ?? claims.stationId ?? claims.advisorId ?? 'user'}`, role, ...claims });
    },
    auth: (token) => ({ authorization: `Bearer ${token}` }),
    async close() {
      await app.close();
      await mqttClient.endAsync();
      // Every master of a cluster, and the keys that spread by VIN outside the prefix's hash tag (core/keys.ts).
      const spread = services.redisPrefix.replace(/[{}]/g, '');
      const keys = await keysEverywhere(redis, `${services.redisPrefix}:*`);
      if (spread !== services.redisPrefix) keys.push(...(await keysEverywhere(redis, `${spread}:*`)));
      await deleteKeys(redis, keys);
      redis.disconnect();
    },
  };
}
