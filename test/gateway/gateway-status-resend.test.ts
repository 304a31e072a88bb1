// The real gateway process against the real broker and Redis:
// - a JT/T 808-2011 terminal (2011 registration body) registers, authenticates and reports;
// - a sub-packaged blind-area batch with a package lost in transit is completed by the platform's 0x8003
//   re-send request, and answered only then;
// - the retained `status` of vehicles: `offline` when the terminal leaves; the gateway's own status is its MQTT
//   last will (`offline` when it is killed), and after a kill -9 the restarted gateway reports `offline` the
//   vehicles it had reported online.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalKeys } from '../../core/terminal-keys.ts';
import { deviceTopic, gatewayStatusTopic } from '../../core/topics.ts';
import { freePort } from '../../infra/local-services.ts';
import { createRedis } from '../../infra/redis.ts';
import { createJt808Terminal, type Jt808Terminal, type TerminalOptions } from '../../simulators/jt808-terminal.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { testVin } from '../ingest/support.ts';
import { counter, fitTerminals, startGateway, stopGateway, type GatewayProcess } from './support.ts';

const services = testServices('gwstatus');
const redis = createRedis(services, 'fail-fast');
const vins = { old: testVin(1621), leaving: testVin(1622), served: testVin(1623) };
const gatewayId = `gw-${services.namespace}`;
const env = { JT808_MQTT_CLIENT_ID: gatewayId, JT808_REASSEMBLY_TIMEOUT_S: '2' };
let ports: { port: number; metricsPort: number };
let gateway: GatewayProcess | undefined;
let watcher: MqttClient;
const terminals: Jt808Terminal[] = [];
/** Every message seen on the test's topic root, in order (retained ones included when subscribing). */
const seen: Array<{ topic: string; payload: string }> = [];

function terminal(opts: Omit<TerminalOptions, 'host' | 'port'>): Jt808Terminal {
  const t = createJt808Terminal({ host: '127.0.0.1', port: ports.port, ...opts });
  terminals.push(t);
  return t;
}

const statusesOf = (topic: string) => seen.filter((m) => m.topic === topic).map((m) => m.payload);

beforeAll(async () => {
  await fitTerminals(redis, services.redisPrefix, [
    { vin: vins.old, phone: '13900000001' },
    { vin: vins.leaving, phone: '13900000002' },
    { vin: vins.served, phone: '13900000003' },
  ]);
  ports = { port: await freePort(), metricsPort: await freePort() };
  const url = new URL(services.mqttUrl);
  watcher = await mqtt.connectAsync({
    host: url.hostname, port: Number(url.port), username: services.accounts.ops.username, password: services.accounts.ops.password,
    clean: true, log: () => undefined,
  });
  watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  await watcher.subscribeAsync(`${services.topicRoot}/#`, { qos: 1 });
  gateway = await startGateway(services, env, ports);
});

afterAll(async () => {
  await Promise.all(terminals.map((t) => t.close()));
  if (gateway) await stopGateway(gateway);
  await watcher?.endAsync();
  redis.disconnect();
});

describe('JT/T 808-2011 terminals and 0x8003', () => {
  it('registers and authenticates a 2011 terminal; a batch with a lost package completes after 0x8003 and is answered then', { timeout: 60_000 }, async () => {
    const t = terminal({ phone: '13900000001', edition: 2011, plate: vins.old, plateColor: 0, packageBytes: 100, withholdPackages: [2] });
    await t.connect();
    expect((await t.register()).result).toBe(0);
    expect(await t.authenticate()).toBe(0);
    const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    const locations = Array.from({ length: 12 }, (_, i) => ({ lat: 23 + i / 100, lon: 113, ts: base + i * 1000, statusBits: 0b10 }));
    const started = Date.now();
    expect(await t.batch(1, locations)).toBe(0);
    // Package 2 was never sent: the answer could only come after the gateway's re-send request (at ≥ 1 s).
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await counter(ports.metricsPort, 'jt808_resend_requests_total')).toBe(1);
    const batch = await waitFor(() => seen.find((m) => m.topic === deviceTopic(services.topicRoot, vins.old, 'position')), { what: 'batch published' });
    expect((JSON.parse(batch.payload) as Array<{ ts: number }>).map((p) => p.ts)).toEqual(locations.map((l) => l.ts));
  });
});

describe('online / offline', () => {
  it('reports a vehicle offline when its terminal leaves, and the gateway online (retained)', { timeout: 60_000 }, async () => {
    await waitFor(() => statusesOf(gatewayStatusTopic(services.topicRoot, gatewayId)).at(-1) === 'online', { what: 'gateway online' });
    const t = terminal({ phone: '13900000002', edition: 2019, plate: vins.leaving, plateColor: 0 });
    await t.connect();
    expect((await t.register()).result).toBe(0);
    expect(await t.authenticate()).toBe(0);
    const topic = deviceTopic(services.topicRoot, vins.leaving, 'status');
    await waitFor(() => statusesOf(topic).at(-1) === 'online', { what: 'vehicle online' });
    await waitFor(async () => (await redis.hget(terminalKeys(services.redisPrefix).gatewayOfVehicle(), vins.leaving)) === gatewayId, { what: 'vehicle recorded' });
    await t.close();
    await waitFor(() => statusesOf(topic).at(-1) === 'offline', { what: 'vehicle offline' });
    await waitFor(async () => (await redis.hexists(terminalKeys(services.redisPrefix).gatewayOfVehicle(), vins.leaving)) === 0, { what: 'record cleared' });
  });

  it('kill -9: the last will marks the gateway offline; the restarted gateway marks offline the vehicles it served', { timeout: 90_000 }, async () => {
    const t = terminal({ phone: '13900000003', edition: 2013, plate: vins.served, plateColor: 0 });
    await t.connect();
    expect((await t.register()).result).toBe(0);
    expect(await t.authenticate()).toBe(0);
    const vehicle = deviceTopic(services.topicRoot, vins.served, 'status');
    const own = gatewayStatusTopic(services.topicRoot, gatewayId);
    await waitFor(() => statusesOf(vehicle).at(-1) === 'online', { what: 'vehicle online' });
    await waitFor(async () => (await redis.hget(terminalKeys(services.redisPrefix).gatewayOfVehicle(), vins.served)) === gatewayId, { what: 'vehicle recorded' });
    await stopGateway(gateway!, 'SIGKILL'); // the terminal stays away (no reconnect): nobody says it is offline…
    gateway = undefined;
    await waitFor(() => statusesOf(own).at(-1) === 'offline', { what: 'last will' });
    expect(statusesOf(vehicle).at(-1)).toBe('online');
    gateway = await startGateway(services, env, ports); // … until the gateway is back
    await waitFor(() => statusesOf(vehicle).at(-1) === 'offline', { what: 'vehicle offline after restart' });
    await waitFor(() => statusesOf(own).at(-1) === 'online', { what: 'gateway online again' });
    expect(await redis.hexists(terminalKeys(services.redisPrefix).gatewayOfVehicle(), vins.served)).toBe(0);
  });
});
