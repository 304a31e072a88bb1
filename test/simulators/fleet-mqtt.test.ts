// A handful of simulated trucks against the harness broker (real Mosquitto with password file + ACL):
// each is its own MQTT client with its VIN and derived password, publishes the device contract, drops
// its connection in a coverage gap (the will says offline) and uploads the buffered positions afterwards.
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { devicePassword } from '../../core/device-credentials.ts';
import { checkDm1Message, checkPositionMessage } from '../../core/telemetry.ts';
import { DEFAULT_TOPIC_ROOT } from '../../core/topics.ts';
import { withCheckDigit } from '../../core/vin.ts';
import { mosquittoPasswordLine } from '../../infra/mosquitto-auth.ts';
import type { Vehicle } from '../../core/registry.ts';
import { loadChinaCities } from '../../simulators/cities.ts';
import { fleetAccounts, planTrucks } from '../../simulators/fleet-plan.ts';
import { createFleetRuntime, type FleetRuntime } from '../../simulators/fleet-runtime.ts';
import { createRandom } from '../../core/prng.ts';
import { createManualClock } from '../../simulators/sim-clock.ts';
import { DEFAULT_TRUCK_PARAMS, loseCoverage, type TruckParams } from '../../simulators/truck.ts';
import { testServices, waitFor } from '../harness/context.ts';

const services = testServices('simfleet');
// The broker's ACL lets a truck write only below `fleet/v1/<its VIN>`; unique VINs isolate this file.
const root = DEFAULT_TOPIC_ROOT;
const deviceKey = `test-device-key-${randomBytes(8).toString('hex')}`;
const serial = randomBytes(3).readUIntBE(0, 3) % 900_000;
const allVehicles: Vehicle[] = [0, 1, 2, 3, 4, 5].map((i) => ({
  vin: withCheckDigit(`LSMTS${String(i)}T0SXA${String(serial + i).padStart(6, '0')}`),
  customerId: 'CU001', homeRegion: '110000', active: true,
}));
/** Four trucks driven in-process, two by the CLI entry (`npm run simulate`). */
const vehicles = allVehicles.slice(0, 4);
const cliVehicles = allVehicles.slice(4);
const T0 = Date.now() - 3_600_000;
const params: TruckParams = { ...DEFAULT_TRUCK_PARAMS, reportIntervalS: 30, redStopPerDay: 0, amberPerDay: 0, gapsPerDay: 0 };

interface Received { topic: string; payload: string; retain: boolean }
const received: Received[] = [];
let ops: mqtt.MqttClient;
let runtime: FleetRuntime;
const clock = createManualClock(T0);
const trucks = planTrucks(vehicles, loadChinaCities(), { seed: 1, params, now: T0 });

const on = (vin: string, channel: string) => received.filter((m) => m.topic === `${root}/${vin}/${channel}`);

beforeAll(async () => {
  const lines = fleetAccounts(deviceKey, allVehicles).map((a) => mosquittoPasswordLine(a.username, a.password));
  appendFileSync(inject('mosquittoPasswordFile'), lines.join('\n') + '\n');
  process.kill(inject('mosquittoPid'), 'SIGHUP');
  await waitFor(async () => {
    const probe = await mqtt.connectAsync(services.mqttUrl, {
      username: vehicles[0]!.vin, password: devicePassword(deviceKey, vehicles[0]!.vin), reconnectPeriod: 0, clientId: `probe-${serial}`,
    });
    await probe.endAsync();
    return true;
  }, { what: 'the broker to accept the new truck accounts' });
  ops = await mqtt.connectAsync(services.mqttUrl, { username: services.accounts.ops.username, password: services.accounts.ops.password });
  ops.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await ops.subscribeAsync(allVehicles.map((v) => `${root}/${v.vin}/#`), { qos: 1 });
  runtime = createFleetRuntime({
    mqttUrl: services.mqttUrl, topicRoot: root, deviceKey, trucks, params, clock, connectRatePerS: 1000, tickMs: 20,
    keepaliveS: 30, dropConnectionInGaps: true, rng: createRandom(1),
  });
  runtime.start();
});

afterAll(async () => {
  await runtime?.stop();
  await ops?.endAsync();
});

/** Moves simulated time in report-sized steps, letting the shared timer publish after each. */
async function drive(seconds: number): Promise<void> {
  for (let s = 0; s < seconds; s += 30) {
    const before = runtime.stats().published;
    clock.advance(30_000);
    await waitFor(() => runtime.stats().published > before, { what: 'the fleet to publish' });
  }
}

describe('fleet simulator over MQTT', () => {
  it('each truck connects with its own account, says online (retained) and publishes valid positions', async () => {
    await waitFor(() => runtime.stats().connected === vehicles.length, { what: 'all trucks connected' });
    await drive(120);
    await waitFor(() => vehicles.every((v) => on(v.vin, 'position').length >= 4), { what: 'positions of every truck' });
    for (const v of vehicles) {
      expect(on(v.vin, 'status').map((m) => m.payload)).toContain('online');
      for (const m of on(v.vin, 'position')) {
        const check = checkPositionMessage(JSON.parse(m.payload), Date.now());
        expect(check.ok && check.value.every((r) => r.ok), m.payload).toBe(true);
      }
    }
    const s = runtime.stats();
    expect(s.connectionErrors).toBe(0);
    await waitFor(() => runtime.stats().acknowledged === runtime.stats().published, { what: 'all publishes acknowledged' });
  });

  it('a forced red-stop breakdown sends a DM1 with the red stop lamp', async () => {
    const [vin] = runtime.forceBreakdowns(1);
    expect(vin).toBeDefined();
    await drive(30);
    const dm1 = await waitFor(() => on(vin!, 'dm1')[0], { what: 'a DM1' });
    const check = checkDm1Message(JSON.parse(dm1.payload), Date.now());
    expect(check.ok).toBe(true);
    expect(JSON.parse(dm1.payload)).toMatchObject({ lamps: { redStop: true } });
    expect(runtime.stats().redStops).toBe(1);
  });

  it('a coverage gap drops the connection (will: offline), then uploads the buffered positions as one batch', async () => {
    const truck = trucks[2]!;
    const vin = truck.vin;
    const statusBefore = on(vin, 'status').length;
    loseCoverage(truck, 600);
    await waitFor(() => on(vin, 'status').slice(statusBefore).some((m) => m.payload === 'offline'), { what: 'the will (offline)' });
    expect(runtime.stats().connected).toBe(vehicles.length - 1);
    const positionsBefore = on(vin, 'position').length;
    await drive(660);
    await waitFor(() => on(vin, 'status').slice(statusBefore).some((m) => m.payload === 'online'), { what: 'online again' });
    const batch = await waitFor(() => on(vin, 'position').slice(positionsBefore).map((m) => JSON.parse(m.payload)).find(Array.isArray), {
      what: 'a batch upload',
    });
    expect(batch.length).toBeGreaterThanOrEqual(19);
    const check = checkPositionMessage(batch, Date.now());
    expect(check.ok && check.value.every((r) => r.ok)).toBe(true);
    for (let i = 1; i < batch.length; i++) expect(batch[i].ts).toBeGreaterThan(batch[i - 1].ts);
    await waitFor(() => runtime.stats().acknowledged === runtime.stats().published, { what: 'all publishes acknowledged' });
    expect(runtime.stats().positionRecordsAcknowledged).toBe(runtime.stats().positionRecordsPublished);
  });

  it('a clean stop leaves every truck offline (retained) with nothing unacknowledged', async () => {
    const final = await runtime.stop();
    expect(final.acknowledged).toBe(final.published);
    expect(final.failed).toBe(0);
    await waitFor(() => vehicles.every((v) => on(v.vin, 'status').at(-1)?.payload === 'offline'), { what: 'offline statuses' });
    // A new subscriber gets the retained status.
    const late = await mqtt.connectAsync(services.mqttUrl, { username: services.accounts.ops.username, password: services.accounts.ops.password });
    const retained: string[] = [];
    late.on('message', (_t, p, packet) => { if (packet.retain) retained.push(p.toString()); });
    await late.subscribeAsync(`${root}/${vehicles[0]!.vin}/status`, { qos: 1 });
    await waitFor(() => retained.length > 0, { what: 'retained status' });
    expect(retained).toEqual(['offline']);
    await late.endAsync();
  });
});

describe('npm run simulate (CLI entry)', () => {
  it('drives the trucks of a network directory for --duration, then stops cleanly with an exact summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    try {
      writeFileSync(join(dir, 'vehicles.json'), JSON.stringify(cliVehicles));
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [
        '--import', 'tsx', 'simulators/fleet-cli.ts', '--network', dir, '--trucks', '2', '--interval', '30', '--duration', '240',
        '--speedup', '60', '--gaps-per-day', '0', '--seed', '3',
      ], { env: { PATH: process.env.PATH ?? '', MQTT_URL: services.mqttUrl, DEVICE_KEY: deviceKey } });
      const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
      expect(summary, stderr).toMatchObject({ event: 'fleet-summary', reason: 'duration', trucks: 2, started: 2, failed: 0, connectionErrors: 0 });
      expect(summary.published).toBeGreaterThanOrEqual(2);
      expect(summary.acknowledged).toBe(summary.published);
      expect(stderr).toMatch(/connected \d+\/2/);
      for (const v of cliVehicles) {
        await waitFor(() => on(v.vin, 'position').length > 0 && on(v.vin, 'status').at(-1)?.payload === 'offline', { what: `${v.vin} seen and offline` });
      }
      const seen = cliVehicles.reduce((n, v) => n + on(v.vin, 'position').length + on(v.vin, 'dm1').length, 0);
      expect(seen).toBe(summary.published);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
