// Composition root of the ingester: reads the environment once, builds the clients and wires the pipeline.
//   MQTT (persistent session, shared subscription) → spool (one sync write per socket read, then PUBACKs)
//   spool → decode → InfluxDB → Redis (live state, fault outbox, dead letters, checkpoint) → release
//   outbox → BullMQ fault-events queue (relay)
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import { redisKeys } from '../core/keys.ts';
import { QUEUES } from '../core/queues.ts';
import { MAX_PAYLOAD_BYTES } from '../core/telemetry.ts';
import { deviceFilter } from '../core/topics.ts';
import { createLogger } from '../infra/logger.ts';
import { createRegistryCache } from '../infra/registry-cache.ts';
import { connectDurableSubscriber } from '../infra/mqtt.ts';
import { createRedis, ensureRedisDurability } from '../infra/redis.ts';
import { runMain } from '../infra/run-main.ts';
import { createShutdown } from '../infra/shutdown.ts';
import { createTelemetryStore } from '../infra/telemetry-store.ts';
import { createStateApplier } from './apply-state.ts';
import { readIngestConfig } from './config.ts';
import { createIngestMetrics } from './metrics.ts';
import { serveMetrics } from '../infra/metrics-http.ts';
import { createOutboxRelay } from './outbox-relay.ts';
import { connectMqttSubscriber } from './mqtt-subscriber.ts';
import { createIngestPipeline } from './pipeline.ts';
import { loadProvinceLocator } from './province-locator.ts';
import { comparePositions, createSpool } from './spool.ts';
import { createVehicleDirectory } from './vehicle-directory.ts';

runMain('ingest', async () => {
  const config = readIngestConfig(process.env, { hostname: hostname(), cwd: process.cwd() });
  const logger = createLogger({ level: config.common.logLevel, name: 'ingest' });
  const shutdown = createShutdown(logger);
  shutdown.installSignalHandlers();
  const prefix = config.common.redisPrefix;
  const keys = redisKeys(prefix);

  const redis = createRedis(config.common, 'worker');
  shutdown.register('redis', () => redis.quit());
  await ensureRedisDurability(redis);

  const store = createTelemetryStore(config.influx, { timeoutMs: config.influxTimeoutMs });
  // InfluxDB may be down at start: the spool takes the traffic and the pipeline creates the database later.
  await store.ensureDatabase().catch((err: unknown) => logger.warn({ err: String(err), influx: store.description }, 'InfluxDB not ready yet'));

  const metrics = createIngestMetrics();
  const spool = createSpool({
    dir: config.spoolDir,
    maxPayloadBytes: MAX_PAYLOAD_BYTES,
    onDamage: (what) => logger.error({ what }, 'damaged spool record skipped'),
  });
  shutdown.register('spool', () => spool.close());
  const fsyncTimer = setInterval(() => spool.sync(), config.fsyncIntervalMs);
  shutdown.register('spool fsync timer', () => clearInterval(fsyncTimer));

  const saved = await redis.hgetall(keys.ingestCheckpoint(config.clientId));
  const checkpoint = saved.spoolId === spool.spoolId ? { segment: Number(saved.segment), offset: Number(saved.offset) } : undefined;
  const start = checkpoint && comparePositions(checkpoint, spool.start()) > 0 ? checkpoint : spool.start();
  logger.info({ clientId: config.clientId, spoolDir: config.spoolDir, start, backlogBytes: spool.backlogBytes(start) }, 'replaying spool from checkpoint');

  const pipeline = createIngestPipeline({
    spool,
    store,
    applier: createStateApplier({ redis, prefix, clientId: config.clientId, spoolId: spool.spoolId, provinceAt: loadProvinceLocator() }),
    directory: createVehicleDirectory({ redis, prefix, cache: createRegistryCache({ redis, keys }) }),
    metrics,
    logger,
    topicRoot: config.mqtt.topicRoot,
    batchMaxMessages: config.batchMaxMessages,
    batchLingerMs: config.batchLingerMs,
    inFlightBatches: config.inFlightBatches,
  });
  metrics.observeSpool(() => ({ backlogBytes: spool.backlogBytes(pipeline.position()), segments: spool.segmentCount() }));
  pipeline.start(start).catch(() => void shutdown.stop('pipeline crashed').then(() => process.exit(1)));

  const queueConnection = createRedis(config.common, 'fail-fast');
  const queue = new Queue(QUEUES.faultEvents, { connection: queueConnection, prefix: keys.bullPrefix });
  shutdown.register('fault queue', async () => {
    await queue.close();
    queueConnection.disconnect();
  });
  const relay = createOutboxRelay({
    redis: createRedis(config.common, 'worker'),
    queue,
    prefix,
    consumer: config.clientId,
    logger,
    onRelayed: (n) => metrics.faultEventsRelayed.inc(n),
  });
  await relay.start();
  shutdown.register('outbox relay', () => relay.stop());

  if (config.metricsPort > 0) {
    const server = await serveMetrics(metrics.registry, config.metricsPort);
    shutdown.register('metrics server', () => new Promise((resolve) => server.close(resolve)));
    logger.info({ port: config.metricsPort }, 'metrics on /metrics');
  }

  const subscription = {
    clientId: config.clientId,
    filters: [deviceFilter(config.mqtt.topicRoot, '+', config.shareGroup)],
    onMessage: (topic: string | Buffer, payload: Buffer) => spool.enqueue(topic, payload, Date.now()),
    flush: () => {
      spool.flush();
      pipeline.notify();
    },
    onFatal: (err: Error) => {
      logger.fatal({ err: err.message }, 'cannot keep MQTT messages safely; stopping');
      void shutdown.stop('fatal').then(() => process.exit(1));
    },
    logger,
  };
  // The own framing (ingest/mqtt-subscriber.ts) for TCP and TLS; mqtt.js for a broker behind WebSockets.
  const mqttClient = /^(mqtt|mqtts|tcp):$/.test(new URL(config.mqtt.url).protocol)
    ? connectMqttSubscriber(config.mqtt, subscription)
    : connectDurableSubscriber(config.mqtt, { ...subscription, mqttDebug: config.mqttDebug });
  // Closed in reverse order: first stop taking messages, then apply what is spooled (within the shutdown
  // deadline; the relay is still running to pass on fault events), then the rest.
  shutdown.register('pipeline', () => pipeline.drain(6000));
  shutdown.register('mqtt', () => mqttClient.endAsync());
  logger.info({ clientId: config.clientId, topicRoot: config.mqtt.topicRoot }, 'ingester started');
});
