// A truck's position history from InfluxDB, downsampled in the database (one bucket per `stepS`): the adapter
// behind GET /v1/vehicles/{vin}/track (use case in registry/vehicles.ts).
import { influxString, type TelemetryStore } from './telemetry-store.ts';

export interface TrackPoint {
  /** Bucket start, epoch ms. */
  readonly t: number;
  /** Mean position in the bucket. */
  readonly lat: number;
  readonly lon: number;
  /** Highest speed in the bucket. */
  readonly speedKmh: number | null;
}

export function createTrackHistory(deps: { telemetry: Pick<TelemetryStore, 'query'> }) {
  return {
    /**
     * Buckets of `stepS` seconds in [fromMs, toMs), oldest first, at most `max`. A database that does not exist
     * yet (nothing written so far) is an empty track; any other failure rejects (TelemetryStoreError).
     */
    async downsampled(vin: string, fromMs: number, toMs: number, stepS: number, max: number): Promise<TrackPoint[]> {
      const influxql =
        `SELECT mean("lat") AS "lat", mean("lon") AS "lon", max("speedKmh") AS "speedKmh" FROM "position" ` +
        `WHERE "vin" = ${influxString(vin)} AND time >= ${fromMs}ms AND time < ${toMs}ms ` +
        `GROUP BY time(${stepS}s) fill(none)`;
      let rows;
      try {
        rows = await deps.telemetry.query(influxql);
      } catch (err) {
        if (/database not found/i.test((err as Error).message)) return [];
        throw err;
      }
      return rows
        .filter((r) => typeof r.lat === 'number' && typeof r.lon === 'number')
        .slice(0, max)
        .map((r) => ({ t: Number(r.time), lat: r.lat as number, lon: r.lon as number, speedKmh: typeof r.speedKmh === 'number' ? r.speedKmh : null }));
    },
  };
}

export type TrackHistory = ReturnType<typeof createTrackHistory>;
