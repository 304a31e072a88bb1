// A truck's recent usage from its daily usage roll-up (one row per truck per China calendar day: the day's
// highest odometer and engine-hour readings, i.e. the readings at the end of the day). Km and hours per day
// come from the counters themselves, first and last day of the window: idle days count as zero-usage days and
// a reporting gap loses nothing (the odometer kept counting), unlike summing per-day distances.
import { DAY_MS, type VehicleUsage } from './maintenance-due.ts';

/** The usage window the rates average over. */
export const USAGE_WINDOW_DAYS = 30;

/** First and last roll-up rows of one truck inside the window (day = 00:00 CST of the day, epoch ms). */
export interface UsageWindow {
  readonly firstDayMs: number;
  readonly firstKm: number;
  readonly firstHours?: number;
  readonly lastDayMs: number;
  readonly lastKm: number;
  readonly lastHours?: number;
  readonly lat?: number;
  readonly lon?: number;
}

export interface UsageSnapshot extends VehicleUsage {
  readonly lat?: number;
  readonly lon?: number;
  /** The day (00:00 CST) of the `usage_30d` summary this snapshot comes from; older than the newest summary = idle since. */
  readonly summaryDayMs?: number;
}

/** Usage at the end of the newest rolled-up day, with per-day rates when the window spans at least one day. */
export function usageFromWindow(w: UsageWindow, summaryDayMs?: number): UsageSnapshot {
  const days = (w.lastDayMs - w.firstDayMs) / DAY_MS;
  const rate = (a: number | undefined, b: number | undefined) =>
    days >= 1 && a !== undefined && b !== undefined ? Math.max(0, (b - a) / days) : undefined;
  const kmPerDay = rate(w.firstKm, w.lastKm);
  const hoursPerDay = rate(w.firstHours, w.lastHours);
  return {
    atMs: w.lastDayMs + DAY_MS,
    odometerKm: w.lastKm,
    ...(w.lastHours !== undefined ? { engineHours: w.lastHours } : {}),
    ...(kmPerDay !== undefined ? { kmPerDay } : {}),
    ...(hoursPerDay !== undefined ? { hoursPerDay } : {}),
    ...(w.lat !== undefined && w.lon !== undefined ? { lat: w.lat, lon: w.lon } : {}),
    ...(summaryDayMs !== undefined ? { summaryDayMs } : {}),
  };
}

/**
 * The usage a scan works with: the snapshot as stored when it comes from the newest summary, else (no row in the
 * newest window, or a snapshot from elsewhere) its last readings with zero usage.
 */
export function currentUsage(stored: UsageSnapshot | undefined, newestSummaryDayMs: number): UsageSnapshot | undefined {
  if (!stored) return undefined;
  return stored.summaryDayMs !== undefined && stored.summaryDayMs >= newestSummaryDayMs ? stored : idleUsage(stored);
}

/** A truck with no roll-up row in the window: its last known readings still hold, it just is not moving. */
export function idleUsage(previous: UsageSnapshot): UsageSnapshot {
  const { kmPerDay: _k, hoursPerDay: _h, ...rest } = previous;
  return { ...rest, kmPerDay: 0, hoursPerDay: 0 };
}
