// The daily usage roll-up that due dates are computed from: one point per truck per China calendar day in
// the measurement `usage_1d` (tags vin, customer; fields odometerKm and engineHours = the day's highest
// readings, lat/lon = the day's last position), point time = 00:00 CST of the day. Computed from the raw
// `position` points once per completed day (and the last `redoDays` again, for late uploads from trucks that
// buffered while offline), up to a watermark in Redis; one process at a time (lock).
// Reading 30 days of raw 30-second positions for 100,000 trucks on every scan would be ~8.6 billion points;
// the roll-up makes it 3 million, of which a scan reads two per truck (first and last of the window).
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { cstDayStart, DAY_MS } from '../core/maintenance-due.ts';
import { USAGE_WINDOW_DAYS, usageFromWindow, type UsageWindow } from '../core/maintenance-usage.ts';
import { influxString, type TelemetryStore } from '../infra/telemetry-store.ts';

export const USAGE_MEASUREMENT = 'usage_1d';
/**
 * One point per truck per rolled-up day D: the first and last `usage_1d` rows of the 30-day window ending with
 * D. InfluxDB 1.x answers a selector over 100,000 series slowly (tens of seconds), so the roll-up computes it once
 * a day in the background and the scan reads one row per truck.
 */
export const USAGE_WINDOW_MEASUREMENT = 'usage_30d';

/** The fleet in parts by the VIN's last character (a serial-number digit or letter), for reads of every truck. */
const FLEET_PARTS = ['[0-1]', '[2-3]', '[4-5]', '[6-7]', '[8-9]', '[A-M]', '[N-Z]', '[^0-9A-Z]'];

function tag(value: string): string {
  return value.replace(/[,= \\]/g, (c) => `\\${c}`);
}

export interface UsageRollupOptions {
  /** A day is rolled up this long after it ends (late reports of the evening). */
  readonly lagMs: number;
  /** Days redone before the watermark on each run. */
  readonly redoDays: number;
  /** How far back a first roll-up starts. */
  readonly backfillDays: number;
}

export function createUsageRollup(
  deps: { telemetry: Pick<TelemetryStore, 'query' | 'write'>; redis: Redis; prefix: string },
  opts: UsageRollupOptions,
) {
  const keys = redisKeys(deps.prefix);
  const read = async (statement: string) => {
    try {
      return await deps.telemetry.query(statement);
    } catch (err) {
      if (/database not found/i.test((err as Error).message)) return [];
      throw err;
    }
  };

  /**
   * Rolls completed days up to `nowMs`; returns the trucks that had a row in a newly rolled day (their
   * odometer may have changed), or undefined when another process holds the lock.
   */
  async function rollUp(nowMs: number): Promise<{ days: number; vins: Set<string> } | undefined> {
    const token = `${process.pid}:${nowMs}:${Math.random()}`;
    if ((await deps.redis.set(keys.maintUsageLock, token, 'PX', 10 * 60_000, 'NX')) !== 'OK') return undefined;
    try {
      const target = cstDayStart(nowMs - opts.lagMs);
      const mark = Number((await deps.redis.get(keys.maintUsageWatermark)) ?? 0);
      const earliest = target - opts.backfillDays * DAY_MS;
      let day = mark > 0 ? Math.max(earliest, mark - opts.redoDays * DAY_MS) : earliest;
      const vins = new Set<string>();
      let days = 0;
      for (; day < target; day += DAY_MS) {
        const rows = await read(
          `SELECT max(odometerKm) AS km, max(engineHours) AS h, last(lat) AS lat, last(lon) AS lon FROM position ` +
            `WHERE time >= ${day}ms AND time < ${day + DAY_MS}ms GROUP BY vin, customer`,
        );
        const lines: string[] = [];
        for (const r of rows) {
          if (typeof r.vin !== 'string' || typeof r.customer !== 'string' || typeof r.km !== 'number') continue;
          let fields = `odometerKm=${r.km}`;
          if (typeof r.h === 'number') fields += `,engineHours=${r.h}`;
          if (typeof r.lat === 'number' && typeof r.lon === 'number') fields += `,lat=${r.lat},lon=${r.lon}`;
          lines.push(`${USAGE_MEASUREMENT},customer=${tag(r.customer)},vin=${tag(r.vin)} ${fields} ${day}`);
          vins.add(r.vin);
        }
        await writeInParts(lines);
        if (day + DAY_MS > mark) await deps.redis.set(keys.maintUsageWatermark, String(day + DAY_MS));
        days++;
      }
      // The window summary of the newest complete day (what every scan until the next roll-up reads), once per
      // new day: redone days (late uploads) reach it with the next day's summary.
      const newestDay = Math.max(mark, target) - DAY_MS;
      if (target > mark) await summarise(newestDay);
      else if (mark > 0 && Number((await deps.redis.get(keys.maintUsageSummaryDay)) ?? 0) < newestDay) {
        // The Redis copy is behind InfluxDB (Redis restored from an older state, a first start on this version):
        // copy the stored summary, or compute it when there is none.
        const stored = await summaryOf(newestDay);
        if (stored.size > 0) await mirror(newestDay, stored);
        else await summarise(newestDay);
      }
      return { days, vins };
    } finally {
      await deps.redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, keys.maintUsageLock, token);
    }
  }

  /**
   * First and last roll-up rows of each truck in [fromMs, toMs): two selector queries whose answers carry
   * the selected point's time and its other fields. `vins` restricts the read (the incremental scan).
   */
  async function windows(fromMs: number, toMs: number, vins?: readonly string[]): Promise<Map<string, UsageWindow & { customer?: string }>> {
    const filters: string[] = [];
    // The whole fleet in parts by the VIN's last character, one after the other: at 100,000 trucks one answer takes
    // minutes under load, past the HTTP client's body timeout (measured: 300 s exceeded at load 18).
    if (vins === undefined) filters.push(...FLEET_PARTS.map((p) => `vin =~ /${p}$/ AND `));
    else for (let i = 0; i < vins.length; i += 400) filters.push(`(${vins.slice(i, i + 400).map((v) => `vin = ${influxString(v)}`).join(' OR ')}) AND `);
    const range = `time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY vin, customer`;
    const out = new Map<string, UsageWindow & { customer?: string }>();
    for (const filter of filters) {
      const [firsts, lasts] = await Promise.all([
        read(`SELECT first(odometerKm) AS km, engineHours AS h FROM ${USAGE_MEASUREMENT} WHERE ${filter}${range}`),
        read(`SELECT last(odometerKm) AS km, engineHours AS h, lat, lon FROM ${USAGE_MEASUREMENT} WHERE ${filter}${range}`),
      ]);
      const first = new Map<string, (typeof firsts)[number]>();
      for (const r of firsts) if (typeof r.vin === 'string') first.set(r.vin, r);
      for (const l of lasts) {
        const f = typeof l.vin === 'string' ? first.get(l.vin) : undefined;
        if (!f || typeof l.km !== 'number' || typeof f.km !== 'number' || typeof l.time !== 'number' || typeof f.time !== 'number') continue;
        out.set(l.vin as string, {
          firstDayMs: f.time, firstKm: f.km, ...(typeof f.h === 'number' ? { firstHours: f.h } : {}),
          lastDayMs: l.time, lastKm: l.km, ...(typeof l.h === 'number' ? { lastHours: l.h } : {}),
          ...(typeof l.lat === 'number' && typeof l.lon === 'number' ? { lat: l.lat, lon: l.lon } : {}),
          ...(typeof l.customer === 'string' ? { customer: l.customer } : {}),
        });
      }
    }
    return out;
  }

  /**
   * Writes in parts of 5,000 points, each retried twice: under load, influxd answers a 20,000-point write of the
   * 100,000-truck summary with a 500 timeout (measured at load 16).
   */
  async function writeInParts(lines: readonly string[]): Promise<void> {
    for (let i = 0; i < lines.length; i += 5000) {
      for (let attempt = 1; ; attempt++) {
        try {
          await deps.telemetry.write(lines.slice(i, i + 5000));
          break;
        } catch (err) {
          if (attempt >= 3 || !(err as { retryable?: boolean }).retryable) throw err;
          await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
        }
      }
    }
  }

  /**
   * The scan's copy of the summary in Redis: each truck's usage snapshot (hash `maint:usage`, the same one the API
   * reads), then the summary day. A scan reads 100,000 snapshots from Redis in about a second, where InfluxDB 1.6
   * needs tens of seconds of CPU to answer the same rows; InfluxDB stays the record (`usage_30d`).
   */
  async function mirror(dayMs: number, found: ReadonlyMap<string, UsageWindow>): Promise<void> {
    const entries = [...found];
    for (let i = 0; i < entries.length; i += 5000) {
      const chunk = entries.slice(i, i + 5000);
      if (chunk.length) await deps.redis.hset(keys.maintUsage, ...chunk.flatMap(([vin, w]) => [vin, JSON.stringify(usageFromWindow(w, dayMs))]));
    }
    await deps.redis.set(keys.maintUsageSummaryDay, String(dayMs));
  }

  /** Writes the `usage_30d` point of every truck with a row in the 30-day window ending with `dayMs`, and its Redis copy. */
  async function summarise(dayMs: number): Promise<void> {
    const found = await windows(dayMs + DAY_MS - USAGE_WINDOW_DAYS * DAY_MS, dayMs + DAY_MS);
    const lines: string[] = [];
    for (const [vin, w] of found) {
      let fields = `firstDayMs=${w.firstDayMs},firstKm=${w.firstKm},lastDayMs=${w.lastDayMs},lastKm=${w.lastKm}`;
      if (w.firstHours !== undefined) fields += `,firstHours=${w.firstHours}`;
      if (w.lastHours !== undefined) fields += `,lastHours=${w.lastHours}`;
      if (w.lat !== undefined && w.lon !== undefined) fields += `,lat=${w.lat},lon=${w.lon}`;
      lines.push(`${USAGE_WINDOW_MEASUREMENT},customer=${tag(w.customer ?? '-')},vin=${tag(vin)} ${fields} ${dayMs}`);
    }
    await writeInParts(lines);
    await mirror(dayMs, found);
  }

  /** The stored `usage_30d` summary of one day (one row per truck), read in parts. */
  async function summaryOf(dayMs: number): Promise<Map<string, UsageWindow>> {
    const out = new Map<string, UsageWindow>();
    for (const part of FLEET_PARTS) {
      const rows = await read(`SELECT * FROM ${USAGE_WINDOW_MEASUREMENT} WHERE vin =~ /${part}$/ AND time = ${dayMs}ms`);
      for (const r of rows) {
        if (typeof r.vin !== 'string' || typeof r.firstDayMs !== 'number' || typeof r.firstKm !== 'number' || typeof r.lastDayMs !== 'number' || typeof r.lastKm !== 'number') continue;
        out.set(r.vin, {
          firstDayMs: r.firstDayMs, firstKm: r.firstKm, ...(typeof r.firstHours === 'number' ? { firstHours: r.firstHours } : {}),
          lastDayMs: r.lastDayMs, lastKm: r.lastKm, ...(typeof r.lastHours === 'number' ? { lastHours: r.lastHours } : {}),
          ...(typeof r.lat === 'number' && typeof r.lon === 'number' ? { lat: r.lat, lon: r.lon } : {}),
        });
      }
    }
    return out;
  }

  return { rollUp, windows, summarise, summaryOf };
}

export type UsageRollup = ReturnType<typeof createUsageRollup>;
