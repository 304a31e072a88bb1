// The telemetry history that coverage needs, downsampled IN the database: one sample per truck per time
// window (InfluxQL `first()` … `GROUP BY time(window), vin`), with the window chosen so that the answer stays
// around a few hundred thousand rows whatever the range and fleet size.
//
// Scanning weeks of 30-second positions on every request is too slow (20 M points ≈ 10 s of influxd CPU),
// so the database also keeps roll-ups, like a continuous query does: `position_10m` (first position per
// truck per 10 minutes, from `position`) and `position_60m` (from `position_10m`), written with
// `SELECT … INTO`, maintained incrementally up to a watermark in Redis. A query reads the roll-up of the
// coarsest level dividing its window up to that level's watermark, and the raw measurement after it, so an
// answer is complete even while the roll-up lags. Completed windows are rolled up `lagMs` after they end,
// and the last `redoMs` are rolled up again each time to take in late uploads (trucks buffer while offline);
// positions arriving later than that only reach the roll-ups when an operator re-runs them (docs/coverage.md).
import type { Redis } from 'ioredis';
import type { PositionSample } from '../core/coverage.ts';
import type { FaultSighting } from '../core/coverage-sites.ts';
import { redisKeys } from '../core/keys.ts';
import { influxIdent, influxString, type TelemetryStore } from './telemetry-store.ts';

export interface HistoryQuery {
  /** One customer's trucks, or the whole fleet when undefined. */
  readonly customerId?: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Trucks expected in the range (sizes the window). */
  readonly vehicles: number;
}

export interface DownsampledHistory {
  readonly windowMs: number;
  readonly samples: PositionSample[];
}

const MINUTE = 60_000;
/** Window lengths the database is asked for (minutes). */
const NICE_WINDOWS_MIN = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440];

/** The shortest nice window keeping vehicles × windows under `maxRows`. */
export function windowFor(rangeMs: number, vehicles: number, maxRows = 300_000): number {
  const wanted = (rangeMs * Math.max(1, vehicles)) / maxRows;
  const minutes = NICE_WINDOWS_MIN.find((m) => m * MINUTE >= wanted) ?? NICE_WINDOWS_MIN[NICE_WINDOWS_MIN.length - 1]!;
  return minutes * MINUTE;
}

function scopeFilter(customerId: string | undefined): string {
  return customerId === undefined ? '' : `customer = ${influxString(customerId)} AND `;
}

/** Window-aligned slices of [from, to) (GROUP BY time windows align to the epoch, so no window is split). */
function slices(fromMs: number, toMs: number, windowMs: number, count: number): Array<[number, number]> {
  const first = Math.floor(fromMs / windowMs);
  const last = Math.ceil(toMs / windowMs);
  const per = Math.max(1, Math.ceil((last - first) / count));
  const out: Array<[number, number]> = [];
  for (let w = first; w < last; w += per) {
    out.push([Math.max(fromMs, w * windowMs), Math.min(toMs, (w + per) * windowMs)]);
  }
  return out;
}

export interface RollupLevel {
  readonly measurement: string;
  readonly windowMs: number;
  /** Measurement it is computed from (the raw one or a finer level). */
  readonly source: string;
}

export const ROLLUP_LEVELS: readonly RollupLevel[] = [
  { measurement: 'position_10m', windowMs: 10 * MINUTE, source: 'position' },
  { measurement: 'position_60m', windowMs: 60 * MINUTE, source: 'position_10m' },
];

export interface CoverageHistoryOptions {
  readonly maxRows?: number;
  /** Concurrent slice queries (influxd uses about one core per query). */
  readonly parallelism?: number;
  /** A window is rolled up this long after it ends (default 10 min). */
  readonly lagMs?: number;
  /** Each roll-up run redoes this much before the watermark, for late uploads (default 6 h). */
  readonly redoMs?: number;
  /** Where a first roll-up starts, back from now (default 35 days). */
  readonly backfillMs?: number;
}

const DAY = 86_400_000;

export function createCoverageHistory(
  deps: { telemetry: Pick<TelemetryStore, 'query'>; redis: Redis; prefix: string },
  opts: CoverageHistoryOptions = {},
) {
  const parallelism = opts.parallelism ?? 4;
  const lagMs = opts.lagMs ?? 10 * MINUTE;
  const redoMs = opts.redoMs ?? 6 * 60 * MINUTE;
  const backfillMs = opts.backfillMs ?? 35 * DAY;
  const keys = redisKeys(deps.prefix);
  /** Reads; a database that does not exist yet (nothing written so far) is an empty history. */
  const read = async (statement: string) => {
    try {
      return await deps.telemetry.query(statement);
    } catch (err) {
      if (/database not found/i.test((err as Error).message)) return [];
      throw err;
    }
  };

  async function watermarks(): Promise<Map<string, number>> {
    const values = await deps.redis.mget(...ROLLUP_LEVELS.map((l) => keys.coverageRollupWatermark(l.measurement)));
    return new Map(ROLLUP_LEVELS.map((l, i) => [l.measurement, Number(values[i] ?? 0)]));
  }

  /**
   * Rolls completed windows up, level by level, one day per statement. Returns false without doing
   * anything when another process holds the roll-up lock.
   */
  async function rollUp(nowMs: number = Date.now()): Promise<boolean> {
    const token = `${process.pid}:${nowMs}:${Math.random()}`;
    const locked = await deps.redis.set(keys.coverageRollupLock, token, 'PX', 30 * MINUTE, 'NX');
    if (locked !== 'OK') return false;
    try {
      const marks = await watermarks();
      let sourceDoneUntil = nowMs - lagMs;
      for (const level of ROLLUP_LEVELS) {
        const target = Math.floor(Math.min(sourceDoneUntil, nowMs - lagMs) / level.windowMs) * level.windowMs;
        const mark = marks.get(level.measurement) || Math.floor((nowMs - backfillMs) / DAY) * DAY;
        let from = Math.max(Math.floor((nowMs - backfillMs) / DAY) * DAY, Math.floor((mark - redoMs) / level.windowMs) * level.windowMs);
        while (from < target) {
          const to = Math.min(target, from + DAY);
          await deps.telemetry.query(
            `SELECT first(lat) AS lat, first(lon) AS lon INTO ${influxIdent(level.measurement)} FROM ${influxIdent(level.source)} ` +
              `WHERE time >= ${from}ms AND time < ${to}ms GROUP BY time(${level.windowMs / MINUTE}m), vin, customer`,
          );
          if (to > mark) await deps.redis.set(keys.coverageRollupWatermark(level.measurement), String(to));
          from = to;
        }
        sourceDoneUntil = Math.max(target, mark);
      }
      return true;
    } finally {
      // Release only our own lock.
      await deps.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, keys.coverageRollupLock, token);
    }
  }

  /** Window-aligned InfluxQL statements covering [from, to): roll-up up to its watermark, raw after it. */
  function statements(q: HistoryQuery, windowMs: number, marks: ReadonlyMap<string, number>): string[] {
    const level = [...ROLLUP_LEVELS].reverse().find((l) => windowMs % l.windowMs === 0 && (marks.get(l.measurement) ?? 0) > q.fromMs);
    const group = `GROUP BY time(${windowMs / MINUTE}m), vin fill(none)`;
    const select = (measurement: string, from: number, to: number) =>
      level && measurement === level.measurement && level.windowMs === windowMs
        // The roll-up already holds one point per truck and window: read it as it is (3× cheaper for influxd).
        ? `SELECT lat, lon FROM ${influxIdent(measurement)} WHERE ${scopeFilter(q.customerId)}time >= ${from}ms AND time < ${to}ms GROUP BY vin`
        : `SELECT first(lat) AS lat, first(lon) AS lon FROM ${influxIdent(measurement)} WHERE ${scopeFilter(q.customerId)}` +
          `time >= ${from}ms AND time < ${to}ms ${group}`;
    const out: string[] = [];
    let rawFrom = q.fromMs;
    if (level) {
      // The roll-up part ends on a window boundary so that no window mixes both sources.
      const rolledUntil = Math.min(q.toMs, Math.floor(marks.get(level.measurement)! / windowMs) * windowMs);
      if (rolledUntil > q.fromMs) {
        for (const [from, to] of slices(q.fromMs, rolledUntil, windowMs, parallelism)) out.push(select(level.measurement, from, to));
        rawFrom = rolledUntil;
      }
    }
    if (rawFrom < q.toMs) {
      for (const [from, to] of slices(rawFrom, q.toMs, windowMs, level ? 1 : parallelism)) out.push(select('position', from, to));
    }
    return out;
  }

  async function positions(q: HistoryQuery): Promise<DownsampledHistory> {
    const windowMs = windowFor(q.toMs - q.fromMs, q.vehicles, opts.maxRows);
    const marks = await watermarks();
    const parts = await Promise.all(statements(q, windowMs, marks).map(read));
    const samples: PositionSample[] = [];
    for (const rows of parts) {
      for (const row of rows) {
        const { vin, time, lat, lon } = row;
        if (typeof vin !== 'string' || typeof time !== 'number' || typeof lat !== 'number' || typeof lon !== 'number') continue;
        samples.push({ vin, time, lat, lon });
      }
    }
    return { windowMs, samples };
  }

  /**
   * Fault codes seen in the range (measurement `dtc`, tags vin, customer, spn), placed at the truck's
   * downsampled position of the same window (or the latest before it).
   */
  async function faults(q: HistoryQuery, history: DownsampledHistory): Promise<FaultSighting[]> {
    const rows = await read(
      `SELECT count(oc) AS n FROM dtc WHERE ${scopeFilter(q.customerId)}time >= ${q.fromMs}ms AND time < ${q.toMs}ms ` +
        `GROUP BY time(${history.windowMs / MINUTE}m), vin, spn fill(none)`,
    );
    if (rows.length === 0) return [];
    const byVin = new Map<string, PositionSample[]>();
    for (const s of history.samples) {
      let list = byVin.get(s.vin);
      if (!list) byVin.set(s.vin, (list = []));
      list.push(s);
    }
    for (const list of byVin.values()) list.sort((a, b) => a.time - b.time);
    const out: FaultSighting[] = [];
    // One sighting per (vin, spn) episode: consecutive windows with the same code are one fault.
    const lastWindow = new Map<string, number>();
    rows.sort((a, b) => Number(a.time) - Number(b.time));
    for (const row of rows) {
      const vin = row.vin;
      const spn = Number(row.spn);
      const time = row.time;
      if (typeof vin !== 'string' || !Number.isInteger(spn) || typeof time !== 'number') continue;
      const key = `${vin}|${spn}`;
      const previous = lastWindow.get(key);
      lastWindow.set(key, time);
      if (previous !== undefined && time - previous <= history.windowMs) continue;
      const list = byVin.get(vin);
      if (!list || list.length === 0) continue;
      let lo = 0;
      let hi = list.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (list[mid]!.time <= time) lo = mid;
        else hi = mid - 1;
      }
      const at = list[lo]!;
      out.push({ vin, time, lat: at.lat, lon: at.lon, spn });
    }
    return out;
  }

  return { positions, faults, rollUp, watermarks };
}

export type CoverageHistory = ReturnType<typeof createCoverageHistory>;
