// The naive reference pipe of the ingest benchmark: subscribe → JSON.parse → line protocol → batched write.
// No validation, no registry, no spool, no live state, acknowledges on receipt. Run by bench/ingest.ts.
// Env: MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD, MQTT_TOPIC_ROOT, INFLUX_URL, INFLUX_DB.
import mqtt from 'mqtt';
import { readInfluxConfig, readMqttConfig } from '../infra/config.ts';
import { createTelemetryStore } from '../infra/telemetry-store.ts';

const mqttConfig = readMqttConfig(process.env);
const store = createTelemetryStore(readInfluxConfig(process.env));
await store.ensureDatabase();

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
  ...(mqttConfig.username ? { username: mqttConfig.username } : {}),
  ...(mqttConfig.password ? { password: mqttConfig.password } : {}),
});
client.on('message', (topic, payload) => {
  const vin = topic.split('/').at(-2)!;
  const p = JSON.parse(payload.toString()) as Record<string, number | boolean>;
  pending.push(
    `position,vin=${vin} lat=${p.lat},lon=${p.lon},speedKmh=${p.speedKmh},heading=${p.heading},odometerKm=${p.odometerKm},` +
      `engineHours=${p.engineHours},fuelPct=${p.fuelPct},ignition=${p.ignition},seq=${p.seq}i ${p.ts}`,
  );
  if (pending.length >= 5000) flush();
});
client.on('connect', () => {
  client.subscribe(`${mqttConfig.topicRoot}/+/position`, { qos: 1 }, () => process.stdout.write('subscribed\n'));
});
// Exit normally on SIGTERM (the benchmark's stop), so that a --cpu-prof profile gets written.
process.once('SIGTERM', () => process.exit(0));
