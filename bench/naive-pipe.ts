// The naive reference pipe of the ingest benchmark: subscribe → JSON.parse → line protocol → batched write.
// No validation, no spool, no live state, acknowledges on receipt. Run by bench/ingest.ts.
// It writes exactly the points the ingester writes (same measurement, tags and fields), so that both arms
// cost InfluxDB the same: the customer tag comes from the vehicle registry, read once at start (not per
// message — the naive pipe does no registry work on its hot path).
// Env: MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD, MQTT_TOPIC_ROOT, INFLUX_URL, INFLUX_DB, REDIS_URL, REDIS_PREFIX.
import mqtt from 'mqtt';
import { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { positionSeries } from '../ingest/line-protocol.ts';
import { readInfluxConfig, readMqttConfig } from '../infra/config.ts';
import { createTelemetryStore } from '../infra/telemetry-store.ts';

const mqttConfig = readMqttConfig(process.env);
const store = createTelemetryStore(readInfluxConfig(process.env));
await store.ensureDatabase();

const series = new Map<string, string>();
{
  const redis = new Redis(process.env.REDIS_URL!);
  const rows = await redis.hgetall(redisKeys(process.env.REDIS_PREFIX ?? 'fr').registry('vehicle'));
  for (const [vin, json] of Object.entries(rows)) series.set(vin, positionSeries(vin, (JSON.parse(json) as { customerId: string }).customerId));
  redis.disconnect();
}

let pending: string[] = [];
let writing = Promise.resolve();
function flush(): void {
  if (pending.length === 0) return;
  const lines = pending;
  pending = [];
  writing = writing.then(() => store.write(lines)).catch((err: unknown) => {
    process.stderr.write(`naive pipe write failed: ${String(err)}\n`);
  });
}
setInterval(flush, 100);

const client = mqtt.connect(mqttConfig.url, {
  clientId: `naive-${process.pid}`,
  clean: true,
  log: () => undefined, // as the ingester: mqtt.js's debug calls off
  ...(mqttConfig.username ? { username: mqttConfig.username } : {}),
  ...(mqttConfig.password ? { password: mqttConfig.password } : {}),
});
client.on('message', (topic, payload) => {
  const vin = topic.split('/').at(-2)!;
  const p = JSON.parse(payload.toString()) as Record<string, number | boolean>;
  pending.push(
    `${series.get(vin) ?? `position,vin=${vin} `}lat=${p.lat},lon=${p.lon},speedKmh=${p.speedKmh},heading=${p.heading},odometerKm=${p.odometerKm},` +
      `engineHours=${p.engineHours},fuelPct=${p.fuelPct},ignition=${p.ignition},seq=${p.seq}i ${p.ts}`,
  );
  if (pending.length >= 5000) flush();
});
client.on('connect', () => {
  client.subscribe(`${mqttConfig.topicRoot}/+/position`, { qos: 1 }, () => process.stdout.write('subscribed\n'));
});
// Exit normally on SIGTERM (the benchmark's stop), so that a --cpu-prof profile gets written.
process.once('SIGTERM', () => process.exit(0));
