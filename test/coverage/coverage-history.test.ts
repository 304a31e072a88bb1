// The downsampled history on a real InfluxDB: roll-ups answer exactly like the raw measurement, late
// uploads within the redo period reach them, the query really reads them, and one process rolls up at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PositionSample } from '../../core/coverage.ts';
import { redisKeys } from '../../core/keys.ts';
import { createCoverageHistory, windowFor } from '../../infra/coverage-history.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { clearNamespace, testServices } from '../harness/context.ts';

const services = testServices('covhistory');
const START = Date.UTC(2026, 8, 1, 6, 0, 0);
const HOURS = 3;
const telemetry = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
const trucks = [
  { vin: 'LHIST000000000001', customer: 'c1' },
  { vin: 'LHIST000000000002', customer: 'c1' },
  { vin: 'LHIST000000000003', customer: 'c2' },
];
const sorted = (rows: PositionSample[]) => [...rows].sort((a, b) => a.vin.localeCompare(b.vin) || a.time - b.time);

describe('coverage history (InfluxDB downsampling and roll-ups)', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = createRedis(services, 'fail-fast');
    await telemetry.ensureDatabase();
    const lines: string[] = [];
    trucks.forEach((t, k) => {
      for (let s = 0; s < HOURS * 3600; s += 30) {
        if (k === 1 && s > 3600 && s < 5400) continue; // truck 2 offline for half an hour
        lines.push(`position,vin=${t.vin},customer=${t.customer} lat=${30 + k + s / 36000},lon=${110 + s / 72000} ${START + s * 1000 + 7000}`);
      }
    });
    await telemetry.write(lines);
  });

  afterAll(async () => {
    await clearNamespace(redis, services);
    redis.disconnect();
  });

  it('sizes the window to the fleet and range', () => {
    expect(windowFor(7 * 86_400_000, 1000)).toBe(60 * 60_000);
    expect(windowFor(7 * 86_400_000, 10)).toBe(60_000);
    expect(windowFor(86_400_000, 300)).toBe(2 * 60_000);
  });

  it('answers from the roll-ups exactly as from the raw positions, and keeps them current', async () => {
    // maxRows forces 10-minute and 2-hour windows on this small history.
    const ten = createCoverageHistory({ telemetry, redis, prefix: services.redisPrefix }, { maxRows: 100, backfillMs: 2 * 86_400_000, redoMs: 2 * 3_600_000 });
    const twoHours = createCoverageHistory({ telemetry, redis, prefix: services.redisPrefix }, { maxRows: 5, backfillMs: 2 * 86_400_000, redoMs: 2 * 3_600_000 });
    const q = { customerId: 'c1', fromMs: START, toMs: START + HOURS * 3_600_000, vehicles: 3 };
    const rawTen = await ten.positions(q);
    const rawTwo = await twoHours.positions(q);
    expect(rawTen.windowMs).toBe(10 * 60_000);
    expect(rawTwo.windowMs).toBe(120 * 60_000);
    // One sample per truck per window: c1's two trucks, 18 windows each, minus truck 2's empty windows.
    expect(rawTen.samples.filter((s) => s.vin === trucks[0]!.vin).length).toBe(18);
    expect(rawTen.samples.filter((s) => s.vin === trucks[1]!.vin).length).toBe(16);
    expect(rawTen.samples.some((s) => s.vin === trucks[2]!.vin)).toBe(false); // other customer
    const first = rawTen.samples.find((s) => s.vin === trucks[0]!.vin && s.time === START)!;
    expect(first.lat).toBeCloseTo(30 + 0 / 36000, 6); // the window's first position (7 s after its start)

    const now = START + (HOURS + 1) * 3_600_000;
    expect(await ten.rollUp(now)).toBe(true);
    const marks = await ten.watermarks();
    expect(marks.get('position_10m')).toBe(Math.floor((now - 10 * 60_000) / 600_000) * 600_000);
    expect(marks.get('position_60m')).toBeGreaterThanOrEqual(START + HOURS * 3_600_000);
    expect(sorted((await ten.positions(q)).samples)).toEqual(sorted(rawTen.samples));
    expect(sorted((await twoHours.positions(q)).samples)).toEqual(sorted(rawTwo.samples));

    // The query reads the roll-up: with the raw points of the first hour gone, its samples remain.
    await telemetry.query(`DELETE FROM position WHERE time < ${START + 3_600_000}ms`);
    expect(sorted((await ten.positions(q)).samples)).toEqual(sorted(rawTen.samples));

    // A late upload inside the redo period (an earlier point in an already rolled-up window) is taken in.
    const lateTime = START + 2 * 3_600_000 + 1000;
    await telemetry.write([`position,vin=${trucks[0]!.vin},customer=c1 lat=45,lon=120 ${lateTime}`]);
    expect(await ten.rollUp(now + 60_000)).toBe(true);
    const late = (await ten.positions(q)).samples.find((s) => s.vin === trucks[0]!.vin && s.time === START + 2 * 3_600_000)!;
    expect(late.lat).toBe(45);
  });

  it('lets one process roll up at a time', async () => {
    const history = createCoverageHistory({ telemetry, redis, prefix: services.redisPrefix });
    const keys = redisKeys(services.redisPrefix);
    await redis.set(keys.coverageRollupLock, 'someone-else', 'PX', 60_000);
    expect(await history.rollUp()).toBe(false);
    expect(await redis.get(keys.coverageRollupLock)).toBe('someone-else');
    await redis.del(keys.coverageRollupLock);
  });
});
