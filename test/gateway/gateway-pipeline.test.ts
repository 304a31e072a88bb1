// Acceptance (JT/T 808 gateway): terminals built from our own encoder → real gateway → Mosquitto → real ingester →
// InfluxDB and Redis. Register → authenticate → 1,000 locations and a 0x0704 blind-area batch of 500 (sub-
// packaged); a 3-DTC DM1 by BAM over 0x0705; refusals with the standard's result codes.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { parseLiveState } from '../../core/live-state.ts';
import { encodeDm1, j1939Frames, PGN_DM1 } from '../../core/j1939-can.ts';
import { GENERAL_RESULT, REGISTER_RESULT } from '../../core/jt808-messages.ts';
import { QUEUES, type FaultEvent } from '../../core/queues.ts';
import { deviceTopic } from '../../core/topics.ts';
import { createRedis } from '../../infra/redis.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { createJt808Terminal, type Jt808Terminal } from '../../simulators/jt808-terminal.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { spawnIngester, stopIngester, tempDir, testVin, type IngesterProcess } from '../ingest/support.ts';
import { spawnService, type ServiceProcess } from '../harness/processes.ts';
import { counter, fitTerminals, startGateway, stopGateway, type GatewayProcess } from './support.ts';
import mqtt from 'mqtt';

const services = testServices('gwpipeline');
const redis = createRedis(services, 'fail-fast');
const keys = redisKeys(services.redisPrefix);
const store = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
const queue = new Queue<FaultEvent>(QUEUES.faultEvents, { connection: createRedis(services, 'fail-fast'), prefix: keys.bullPrefix });
let ingester: IngesterProcess;
let gateway: GatewayProcess;
let dispatcher: ServiceProcess;
const terminals: Jt808Terminal[] = [];

const vins = { south: testVin(1601), dm1: testVin(1602), other: testVin(1603), inactive: testVin(1604) };
const BASE = Date.UTC(2025, 10, 22, 2, 0, 0);

beforeAll(async () => {
  await store.ensureDatabase();
  await fitTerminals(redis, services.redisPrefix, [
    { vin: vins.south, phone: '13800000001' },
    { vin: vins.dm1, phone: '13800000002', plate: 'LU-B12345' },
    { vin: vins.other, phone: '13800000003' },
    { vin: vins.inactive, phone: '13800000004', active: false },
  ]);
  ingester = spawnIngester(services, { INGEST_CLIENT_ID: `gwp-${services.namespace}`, INGEST_SPOOL_DIR: tempDir('gwp'), INGEST_SHARE_GROUP: 'none' });
  await waitFor(() => ingester.output().includes('"subscribed"'), { what: 'ingester subscribed' });
  gateway = await startGateway(services);
  // The real dispatcher opens rescue cases from the ingester's fault events.
  dispatcher = spawnService('dispatcher/main.ts', services.env({ LOG_LEVEL: 'error' }));
});

afterAll(async () => {
  await Promise.all(terminals.map((t) => t.close()));
  if (gateway) await stopGateway(gateway);
  if (ingester) await stopIngester(ingester);
  if (dispatcher) {
    dispatcher.kill();
    await dispatcher.exited();
  }
  await queue.close();
  redis.disconnect();
});

function terminal(phone: string, edition: 2013 | 2019, plate: string, plateColor = 0): Jt808Terminal {
  const t = createJt808Terminal({ host: '127.0.0.1', port: gateway.port, phone, edition, plate, plateColor });
  terminals.push(t);
  return t;
}

async function count(measurement: string, vin: string, field = 'lat'): Promise<number> {
  const rows = await store.query(`SELECT count(${field}) FROM ${measurement} WHERE vin = '${vin}'`);
  return Number(rows[0]?.count ?? 0);
}

describe('JT/T 808 gateway into the MQTT pipeline', () => {
  it('2013 terminal: 1,000 locations and a 500-point blind-area batch land in InfluxDB (south/west, UTC) and the live state is the newest', { timeout: 120_000 }, async () => {
    const t = terminal('013800000001', 2013, vins.south);
    await t.connect();
    const registration = await t.register();
    expect(registration.result).toBe(REGISTER_RESULT.success);
    expect(registration.authCode).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // The auth code is stored hashed, never in clear.
    const stored = await redis.hgetall(`${services.redisPrefix}:terminal:13800000001`);
    expect(stored.authCodeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(registration.authCode);
    expect(await t.authenticate()).toBe(GENERAL_RESULT.success);

    // Live points: every 4th in the southern/western hemispheres. Device times in GMT+8 on the wire.
    const point = (i: number) => ({
      lat: (i % 4 === 0 ? -1 : 1) * (22.5 + i / 100_000), lon: (i % 4 === 0 ? -1 : 1) * (113.9 + i / 100_000),
      ts: BASE + i * 1000, speedKmh: 60 + (i % 20), heading: i % 360, mileageKm: 1000 + i / 10, statusBits: 0b11,
    });
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => t.location(point(1000 + i))));
    expect(results.every((r) => r === GENERAL_RESULT.success)).toBe(true);
    // Out of coverage before that: 500 older points, sent newest first to prove the gateway reorders.
    const blind = Array.from({ length: 500 }, (_, i) => point(499 - i));
    expect(await t.batch(1, blind)).toBe(GENERAL_RESULT.success);

    await waitFor(async () => (await count('position', vins.south)) === 1500, { timeoutMs: 60_000, what: '1,500 positions in InfluxDB' });
    const south = await store.query(`SELECT lat, lon, speedKmh, odometerKm FROM position WHERE vin = '${vins.south}' AND time = ${BASE + 1000 * 1000}ms`);
    expect(south[0]).toMatchObject({ time: BASE + 1000 * 1000, lat: -22.51, lon: -113.91, speedKmh: 60, odometerKm: 1100 });
    const blindRow = await store.query(`SELECT lat, lon FROM position WHERE vin = '${vins.south}' AND time = ${BASE + 7 * 1000}ms`);
    expect(blindRow[0]).toMatchObject({ lat: 22.50007, lon: 113.90007 });
    const live = parseLiveState(vins.south, await redis.hgetall(keys.live(vins.south)));
    expect(live).toMatchObject({ ts: BASE + 1999 * 1000, lat: 22.51999, lon: 113.91999, status: 'online' });
    expect(await counter(gateway.metricsPort, 'jt808_position_records_total')).toBeGreaterThanOrEqual(1500);
  });

  it('2019 terminal: a 3-DTC DM1 by BAM becomes one dm1 snapshot with the red stop lamp, one critical fault event and one rescue case', { timeout: 120_000 }, async () => {
    const t = terminal('13800000002', 2019, 'LU-B12345', 1);
    await t.connect();
    expect((await t.register()).result).toBe(REGISTER_RESULT.success);
    expect(await t.authenticate()).toBe(GENERAL_RESULT.success);
    expect(await t.location({ lat: 31.23, lon: 121.47, ts: Date.now() - 60_000 })).toBe(0);
    const lamps = { mil: false, redStop: true, amberWarning: false, protect: false };
    const dtcs = [{ spn: 100, fmi: 1, oc: 3 }, { spn: 110, fmi: 0, oc: 2 }, { spn: 3226, fmi: 2, oc: 1 }];
    const frames = j1939Frames(0x00, PGN_DM1, encodeDm1({ lamps, dtcs }));
    expect(frames.length).toBeGreaterThan(1); // BAM, not a single frame
    const receivedAt = Date.now() - 5000;
    // The announce and the first packet in one 0x0705, the last packet in the next.
    expect(await t.canData(receivedAt, frames.slice(0, 2))).toBe(0);
    expect(await t.canData(receivedAt + 20, frames.slice(2))).toBe(0);
    // The same set again (a periodic DM1) is no change: no second snapshot.
    expect(await t.canData(receivedAt + 1000, frames)).toBe(0);

    await waitFor(async () => (await count('dm1', vins.dm1, 'dtcCount')) >= 1, { timeoutMs: 30_000, what: 'dm1 snapshot stored' });
    const rows = await store.query(`SELECT redStop, dtcCount, lat FROM dm1 WHERE vin = '${vins.dm1}'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ redStop: true, dtcCount: 3, lat: 31.23 });
    const codes = await store.query(`SELECT oc FROM dtc WHERE vin = '${vins.dm1}' GROUP BY spn, fmi`);
    expect(codes.map((r) => [Number(r.spn), Number(r.fmi), r.oc]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([[100, 1, 3], [110, 0, 2], [3226, 2, 1]]);
    // The fault event the dispatcher opens its rescue case from: one, critical (red stop lamp).
    const events = await waitFor(async () => {
      const jobs = (await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'])).map((j) => j.data).filter((e) => e.vin === vins.dm1);
      return jobs.length ? jobs : undefined;
    }, { what: 'fault event' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ vin: vins.dm1, severity: 'critical' });
    // … and the dispatcher opened one rescue case for the truck.
    const caseId = await waitFor(() => redis.get(keys.openCaseOfVehicle(vins.dm1)), { timeoutMs: 30_000, what: 'a rescue case' });
    expect(await redis.zcard(keys.vehicleCases(vins.dm1))).toBe(1);
    expect(await redis.exists(keys.case(caseId))).toBe(1);
    expect(await counter(gateway.metricsPort, 'jt808_published_total', 'channel="dm1"')).toBe(1);
  });

  it('publishes a critical alarm (SOS) on the alarm topic, keeps the alarm bits on the position, and the alarm opens one critical rescue case', { timeout: 90_000 }, async () => {
    const url = new URL(services.mqttUrl);
    const watcher = await mqtt.connectAsync({ host: url.hostname, port: Number(url.port), username: services.accounts.ops.username, password: services.accounts.ops.password, clean: true, log: () => undefined });
    const seen: Array<{ topic: string; payload: Record<string, unknown> }> = [];
    watcher.on('message', (topic, payload) => {
      if (!topic.endsWith('/status')) seen.push({ topic, payload: JSON.parse(payload.toString()) as Record<string, unknown> });
    });
    await watcher.subscribeAsync(`${services.topicRoot}/${vins.other}/+`, { qos: 1 });
    try {
      const t = terminal('13800000003', 2013, vins.other);
      await t.connect();
      expect((await t.register()).result).toBe(0);
      expect(await t.authenticate()).toBe(0);
      const ts = Math.floor(Date.now() / 1000) * 1000 - 10_000; // BCD times have whole seconds
      expect(await t.location({ lat: 30, lon: 120, ts, alarmBits: 1 | (1 << 5), statusBits: 0b11 })).toBe(0);
      expect(await t.location({ lat: 30, lon: 120, ts: ts + 1000, alarmBits: 1, statusBits: 0b11 })).toBe(0); // still SOS: no new alarm
      const alarm = await waitFor(() => seen.find((m) => m.topic.endsWith('/alarm')), { what: 'alarm message' });
      expect(alarm.payload).toEqual({ ts, alarms: ['sos'], alarmBits: 33, lat: 30, lon: 120, speedKmh: 0 });
      const position = await waitFor(() => seen.find((m) => m.topic === deviceTopic(services.topicRoot, vins.other, 'position')), { what: 'position' });
      expect(position.payload).toMatchObject({ ts, alarmBits: 33, statusBits: 3, ignition: true });
      await waitFor(() => seen.filter((m) => m.topic.endsWith('/position')).length === 2, { what: 'second position' });
      expect(seen.filter((m) => m.topic.endsWith('/alarm'))).toHaveLength(1);
      // The ingester turns the alarm into a critical fault event, and the dispatcher opens one case with the
      // alarm as the reported fault, where the truck was.
      const caseId = await waitFor(() => redis.get(keys.openCaseOfVehicle(vins.other)), { timeoutMs: 30_000, what: 'a rescue case from the SOS alarm' });
      const rescue = JSON.parse((await redis.hget(keys.case(caseId), 'json'))!) as { description?: string; source: string; location?: { lat: number; lon: number }; faultEventIds: string[] };
      expect(rescue.source).toBe('telematics');
      expect(rescue.description).toBe('紧急报警（SOS） / Emergency alarm (SOS)');
      expect(rescue.location).toMatchObject({ lat: 30, lon: 120 });
      expect(rescue.faultEventIds).toEqual([`${vins.other}-alarm-${ts}`]);
      expect(await redis.zcard(keys.vehicleCases(vins.other))).toBe(1);
      const live = await redis.hmget(keys.live(vins.other), 'alarms', 'alarmTs');
      expect(live).toEqual(['sos', String(ts)]);
    } finally {
      await watcher.endAsync();
    }
  });

  it('refuses an unregistered terminal, a wrong auth code, a terminal bound to another vehicle and a deactivated vehicle with the standard result codes', { timeout: 60_000 }, async () => {
    const unknown = terminal('13999999999', 2019, vins.other);
    await unknown.connect();
    expect((await unknown.register()).result).toBe(REGISTER_RESULT.noSuchTerminal);
    // Terminal 3 is bound to `other`; naming the DM1 truck's VIN is another vehicle.
    const wrongVehicle = terminal('13800000003', 2013, vins.dm1);
    await wrongVehicle.connect();
    expect((await wrongVehicle.register()).result).toBe(REGISTER_RESULT.terminalAlreadyRegistered);
    // Plate colour 1 with a plate the bound vehicle does not carry.
    const wrongPlate = terminal('13800000002', 2019, 'LU-Z99999', 1);
    await wrongPlate.connect();
    expect((await wrongPlate.register()).result).toBe(REGISTER_RESULT.terminalAlreadyRegistered);
    const deactivated = terminal('13800000004', 2013, vins.inactive);
    await deactivated.connect();
    expect((await deactivated.register()).result).toBe(REGISTER_RESULT.noSuchVehicle);
    const wrongCode = terminal('13800000003', 2019, vins.other);
    await wrongCode.connect();
    expect(await wrongCode.authenticate('not-the-code')).toBe(GENERAL_RESULT.failure);
    // Without authentication nothing is accepted.
    expect(await wrongCode.send(0x0200, Buffer.alloc(28))).toBe(GENERAL_RESULT.failure);
    expect(await counter(gateway.metricsPort, 'jt808_rejected_total', 'reason="register_refused"')).toBe(4);
    expect(await counter(gateway.metricsPort, 'jt808_rejected_total', 'reason="auth_failed"')).toBe(1);
  });
});
