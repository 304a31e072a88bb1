// Composition root of the JT/T 808 gateway: reads the environment once, builds the clients and listens.
//   TCP (terminals) → frames → session (register/authenticate via Redis bindings, decode)
//   → MQTT publish QoS 1 under the device contract → PUBACK → 0x8001 to the terminal
// Its broker connection's last will marks the gateway `offline`; at start it marks `offline` the vehicles it
// reported online before it last died (gateway/served-vehicles.ts).
import { hostname } from 'node:os';
import { createLogger } from '../infra/logger.ts';
import { createRedis, verifyRedisMode } from '../infra/redis.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { runMain } from '../infra/run-main.ts';
import { createShutdown } from '../infra/shutdown.ts';
import { createTerminalStore } from '../infra/terminal-store.ts';
import { createTerminalBinding } from '../terminals/terminal-binding.ts';
import { readGatewayConfig } from './config.ts';
import { createGatewayMetrics } from './metrics.ts';
import { serveMetrics } from '../infra/metrics-http.ts';
import { connectPublisher } from './publisher.ts';
import { createServedVehicles } from './served-vehicles.ts';
import { deviceTopic, gatewayStatusTopic } from '../core/topics.ts';
import { createGatewayServer, type GatewayServer } from './server.ts';

runMain('gateway', async () => {
  const config = readGatewayConfig(process.env, { hostname: hostname() });
  const logger = createLogger({ level: config.common.logLevel, name: 'gateway' });
  const shutdown = createShutdown(logger);
  shutdown.installSignalHandlers();

  await verifyRedisMode(config.common);
  const redis = createRedis(config.common, 'fail-fast');
  shutdown.register('redis', () => redis.quit());
  const binding = createTerminalBinding({
    store: createTerminalStore({ redis, prefix: config.common.redisPrefix }),
    vehicles: createRegistryStore({ redis, prefix: config.common.redisPrefix }),
  });

  const publisher = connectPublisher(config.mqtt, {
    clientId: config.clientId, logger, statusTopic: gatewayStatusTopic(config.mqtt.topicRoot, config.clientId),
  });
  shutdown.register('mqtt', () => publisher.close());
  const served = createServedVehicles({ redis, prefix: config.common.redisPrefix, gatewayId: config.clientId });
  // Vehicles this gateway reported online before it died (kill -9, power loss): `offline` before any terminal is
  // accepted, so a terminal reconnecting here is reported `online` after it.
  await publisher.whenConnected();
  const leftOver = await served.leftOver();
  for (let i = 0; i < leftOver.length; i += 500) {
    await Promise.all(leftOver.slice(i, i + 500).map(async (vin) => {
      await publisher.publish(deviceTopic(config.mqtt.topicRoot, vin, 'status'), 'offline', true);
      await served.offline(vin);
    }));
  }
  if (leftOver.length) logger.info({ vehicles: leftOver.length }, 'reported offline the vehicles of the previous run');

  let server: GatewayServer | undefined;
  const metrics = createGatewayMetrics({
    connections: () => server?.connections() ?? 0,
    terminals: () => server?.terminals() ?? 0,
    inFlight: () => publisher.inFlight(),
  });
  server = createGatewayServer({ config, binding, publisher, served, topicRoot: config.mqtt.topicRoot, metrics, logger });

  const { port } = await server.listen();
  // Closed before the MQTT connection: every terminal's `offline` is published first.
  shutdown.register('jt808 server', () => server.close());
  // Health and metrics come up once the port is open: /health 200 = listening and connected to the broker.
  if (config.metricsPort > 0) {
    const http = await serveMetrics(metrics.registry, config.metricsPort, config.host, () => ({
      ok: publisher.connected,
      detail: { mqtt: publisher.connected, connections: server.connections(), terminals: server.terminals() },
    }));
    shutdown.register('metrics server', () => new Promise((resolve) => http.close(resolve)));
    logger.info({ port: config.metricsPort }, 'metrics on /metrics, health on /health');
  }

  logger.info({ host: config.host, port, topicRoot: config.mqtt.topicRoot }, 'JT/T 808 gateway listening');
});
