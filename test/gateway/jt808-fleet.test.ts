// `npm run simulate -- --protocol jt808`: the simulated fleet as JT/T 808 terminals (2011, 2013 and 2019 mixed)
// through the real gateway — positions, a blind-area batch after a coverage gap, a multi-code DM1 via BAM.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vehicle } from '../../core/registry.ts';
import { createRedis } from '../../infra/redis.ts';
import { loadChinaCities } from '../../simulators/cities.ts';
import { RED_STOP_FAULTS } from '../../simulators/faults.ts';
import { planTrucks } from '../../simulators/fleet-plan.ts';
import { createJt808FleetRuntime, terminalPhone } from '../../simulators/jt808-fleet.ts';
import { createRandom } from '../../core/prng.ts';
import { createManualClock } from '../../simulators/sim-clock.ts';
import { breakDown, DEFAULT_TRUCK_PARAMS, loseCoverage, type TruckParams } from '../../simulators/truck.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { testVin } from '../ingest/support.ts';
import { fitTerminals, startGateway, stopGateway, type GatewayProcess } from './support.ts';

const services = testServices('gwfleet');
const redis = createRedis(services, 'fail-fast');
const vehicles: Vehicle[] = [0, 1, 2, 3].map((i) => ({ vin: testVin(1700 + i), customerId: 'CU001', active: true }));
const T0 = Date.now() - 3_600_000;
const params: TruckParams = { ...DEFAULT_TRUCK_PARAMS, reportIntervalS: 30, redStopPerDay: 0, amberPerDay: 0, gapsPerDay: 0 };
const clock = createManualClock(T0);
const trucks = planTrucks(vehicles, loadChinaCities(), { seed: 1, params, now: T0 });
const received: Array<{ topic: string; payload: string }> = [];
let gateway: GatewayProcess;
let ops: mqtt.MqttClient;
let runtime: ReturnType<typeof createJt808FleetRuntime>;

const on = (vin: string, channel: string) => received.filter((m) => m.topic === `${services.topicRoot}/${vin}/${channel}`);

async function drive(seconds: number): Promise<void> {
  for (let s = 0; s < seconds; s += 30) {
    const before = runtime.stats().published;
    clock.advance(30_000);
    await waitFor(() => runtime.stats().published > before, { what: 'the fleet to report' });
  }
}

beforeAll(async () => {
  await fitTerminals(redis, services.redisPrefix, vehicles);
  gateway = await startGateway(services, { LOG_LEVEL: 'warn' });
  ops = await mqtt.connectAsync(services.mqttUrl, { username: services.accounts.ops.username, password: services.accounts.ops.password, log: () => undefined });
  ops.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await ops.subscribeAsync(`${services.topicRoot}/#`, { qos: 1 });
  runtime = createJt808FleetRuntime({
    host: '127.0.0.1', port: gateway.port, edition: 'mixed', trucks, params, clock, connectRatePerS: 1000, tickMs: 20,
    rng: createRandom(1), redis, redisPrefix: services.redisPrefix, resendAfterS: 30,
  });
  runtime.start();
  await waitFor(() => runtime.stats().started === vehicles.length, { what: 'all terminals authenticated' });
});

afterAll(async () => {
  await runtime?.stop(1000);
  await ops?.endAsync();
  if (gateway) await stopGateway(gateway);
  redis.disconnect();
});

describe('simulated JT/T 808 fleet', () => {
  it('binds, registers and authenticates 2011, 2013 and 2019 terminals, whose positions reach the MQTT contract', async () => {
    expect(await redis.hget(`${services.redisPrefix}:terminal:${terminalPhone(1)}`, 'vin')).toBe(vehicles[1]!.vin);
    await drive(60);
    await waitFor(() => vehicles.every((v) => on(v.vin, 'position').length >= 2 && on(v.vin, 'status').some((m) => m.payload === 'online')), { what: 'positions of every truck' });
    const p = JSON.parse(on(vehicles[0]!.vin, 'position')[0]!.payload);
    expect(p).toMatchObject({ lat: expect.any(Number), lon: expect.any(Number), odometerKm: expect.any(Number), fuelL: expect.any(Number) });
    expect(p.ts % 1000).toBe(0);
  });

  it('a breakdown with two red-stop codes goes as a BAM DM1 and arrives as one snapshot with both codes', async () => {
    const truck = trucks[1]!;
    breakDown(truck, params, RED_STOP_FAULTS[0]);
    breakDown(truck, params, RED_STOP_FAULTS[1]);
    await drive(30);
    const dm1 = await waitFor(() => on(truck.vin, 'dm1').map((m) => JSON.parse(m.payload)).find((d) => d.dtcs.length === 2), { what: 'a 2-code DM1' });
    expect(dm1.lamps.redStop).toBe(true);
  });

  it('a coverage gap is uploaded as one 0x0704 blind-area batch, oldest first', async () => {
    const truck = trucks[2]!;
    loseCoverage(truck, 600);
    const before = on(truck.vin, 'position').length;
    await drive(660);
    const batch = await waitFor(() => on(truck.vin, 'position').slice(before).map((m) => JSON.parse(m.payload)).find(Array.isArray), { what: 'a batch' });
    expect(batch.length).toBeGreaterThanOrEqual(19);
    for (let i = 1; i < batch.length; i++) expect(batch[i].ts).toBeGreaterThan(batch[i - 1].ts);
    await waitFor(() => runtime.stats().acknowledged === runtime.stats().published, { what: 'every message answered' });
    expect(runtime.stats().positionRecordsAcknowledged).toBe(runtime.stats().positionRecordsPublished);
  });
});
