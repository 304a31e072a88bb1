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

/**
 * The truck's engine hours at `atMs` from its usage, for a service recorded without them: the newest rolled-up reading
 * when the service is at or after it (the hours driven since are not measured, and readings are never extrapolated
 * forward); for a service before it, that reading less the window's hours per day over the days between, when those
 * are within the usage window and a rate is known. Undefined when the usage cannot tell (no hour meter readings, no
 * rate, a service older than the window): the service's cycle then has no hours limit.
 */
export function engineHoursAt(usage: VehicleUsage | undefined, atMs: number): number | undefined {
  if (usage?.engineHours === undefined) return undefined;
  if (atMs >= usage.atMs) return usage.engineHours;
  const days = (usage.atMs - atMs) / DAY_MS;
  if (days > USAGE_WINDOW_DAYS || usage.hoursPerDay === undefined) return undefined;
  return Math.max(0, Math.round((usage.engineHours - usage.hoursPerDay * days) * 10) / 10);
}
