// Composition root of the API process: reads the environment once, builds the clients, builds the app,
// listens, and shuts down gracefully (stop accepting, finish requests, then close the clients).
import mqtt from 'mqtt';
import { readCommonConfig, readInfluxConfig, readMqttConfig } from '../infra/config.ts';
import { createTokenVerifier, readJwtConfig } from '../infra/jwt.ts';
import { createLogger } from '../infra/logger.ts';
import { coalesceWrites, createRedis, ensureRedisDurability } from '../infra/redis.ts';
import { loadRegionMap } from '../infra/regions-data.ts';
import { runMain } from '../infra/run-main.ts';
import { createShutdown } from '../infra/shutdown.ts';
import { createTelemetryStore } from '../infra/telemetry-store.ts';
import { buildApp } from './app.ts';
import { readApiConfig } from './config.ts';
import { createApiServices } from './services.ts';
import { scheduleCoverageRollups } from '../coverage/rollup-schedule.ts';

runMain('api', async () => {
  const env = process.env;
  const common = readCommonConfig(env);
  const influxConfig = readInfluxConfig(env);
  const mqttConfig = readMqttConfig(env, 'ops');
  const jwtConfig = readJwtConfig(env);
  const apiConfig = readApiConfig(env);

  const logger = createLogger({ level: common.logLevel, name: 'api' });
  const shutdown = createShutdown(logger);
  shutdown.installSignalHandlers();

  // The commands of one event-loop turn leave in one socket write (infra/redis.ts coalesceWrites).
  const redis = createRedis(common, 'fail-fast');
  coalesceWrites(redis);
  shutdown.register('redis', () => redis.quit());
  await ensureRedisDurability(redis);

  const telemetry = createTelemetryStore(influxConfig);
  const tokens = await createTokenVerifier(jwtConfig);
  // Only for the health report: the API neither publishes nor subscribes.
  const mqttClient = mqtt.connect(mqttConfig.url, {
    username: mqttConfig.username,
    password: mqttConfig.password,
    clientId: `api-${process.pid}-${Date.now().toString(36)}`,
    reconnectPeriod: 5000,
    connectTimeout: 5000,
  });
  // Reconnects every 5 s while the broker is unreachable: log a problem when it starts or changes, not every try.
  let lastMqttProblem = '';
  mqttClient.on('error', (err) => {
    if (err.message !== lastMqttProblem) logger.warn({ err: err.message }, 'mqtt connection problem (health reports it)');
    lastMqttProblem = err.message;
  });
  mqttClient.on('connect', () => {
    lastMqttProblem = '';
  });
  shutdown.register('mqtt', () => mqttClient.endAsync());

  const services = createApiServices(apiConfig, {
    redis,
    redisPrefix: common.redisPrefix,
    tokens,
    telemetry,
    mqtt: mqttClient,
    regions: loadRegionMap(),
    logger,
  });
  const app = await buildApp(services);
  const rollups = scheduleCoverageRollups({
    history: services.coverageHistory,
    everyMs: apiConfig.coverageRollupEveryS * 1000,
    onError: (err) => logger.error({ err }, 'coverage roll-up failed'),
  });
  shutdown.register('coverage roll-ups', async () => rollups.stop());
  shutdown.register('http', () => app.close());
  await app.listen({ port: apiConfig.port, host: apiConfig.host });
});
