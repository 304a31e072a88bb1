// The real gateway process against the real broker and Redis:
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
import { fitTerminals, startGateway, stopGateway, type GatewayProcess } from './support.ts';

const services = testServices('gwstatus');
const redis = createRedis(services.redisUrl, 'fail-fast');
const vins = { leaving: testVin(1622), served: testVin(1623) };
const gatewayId = `gw-${services.namespace}`;
const env = { JT808_MQTT_CLIENT_ID: gatewayId };
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
