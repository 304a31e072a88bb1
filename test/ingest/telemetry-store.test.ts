import { describe, expect, it } from 'vitest';
import { createTelemetryStore, TelemetryStoreError } from '../../infra/telemetry-store.ts';
import { testServices } from '../harness/context.ts';

const services = testServices('tstore');

describe('telemetry store (InfluxDB 1.x)', () => {
  const store = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });

  it('creates its database, writes line protocol with ms times and reads it back with InfluxQL', async () => {
    expect(await store.ping()).toBe(true);
    await store.ensureDatabase();
    await store.write([
      'position,vin=LFWADRJF011002346,customer=c1 lat=31.5,lon=121.25,speedKmh=70 1763805600000',
      'position,vin=LFWADRJF011002346,customer=c1 lat=31.6,lon=121.35,speedKmh=71 1763805601000',
      // the same point again: overwrites, does not duplicate
      'position,vin=LFWADRJF011002346,customer=c1 lat=31.6,lon=121.35,speedKmh=71 1763805601000',
    ]);
    const rows = await store.query(`SELECT lat, lon, speedKmh FROM position WHERE vin = 'LFWADRJF011002346' ORDER BY time`);
    expect(rows).toEqual([
      { time: 1763805600000, lat: 31.5, lon: 121.25, speedKmh: 70 },
      { time: 1763805601000, lat: 31.6, lon: 121.35, speedKmh: 71 },
    ]);
    const grouped = await store.query(`SELECT count(lat) FROM position GROUP BY vin`);
    expect(grouped).toEqual([{ vin: 'LFWADRJF011002346', time: 0, count: 2 }]);
  });

  it('classifies rejected data as not retryable and an unreachable server as retryable', async () => {
    await store.ensureDatabase();
    await store.write(['typed v=1 1763805600000']);
    const conflict = await store.write(['typed v="text" 1763805601000']).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(TelemetryStoreError);
    expect((conflict as TelemetryStoreError).retryable).toBe(false);
    const bad = await store.query('SELEC nonsense').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TelemetryStoreError);
    const down = createTelemetryStore({ version: 1, url: 'http://127.0.0.1:9', database: 'x' }, { timeoutMs: 2000 });
    expect(await down.ping()).toBe(false);
    const err = await down.write(['m v=1 1']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TelemetryStoreError);
    expect((err as TelemetryStoreError).retryable).toBe(true);
  });
});
