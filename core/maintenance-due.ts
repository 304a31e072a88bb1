// What is due, when, and how urgent: pure rules over a vehicle's plan, its service history and its own usage.
// Times are epoch ms; calendar arithmetic (months, in-service anniversaries) is done in China Standard Time
// (UTC+8, no daylight saving), the time zone of every date the product shows.
import type { MaintenanceItem, ServiceInterval } from './maintenance-plan.ts';
import type { WarrantyPolicy } from './warranty.ts';

export const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3600_000;

export type DueStatus = 'ok' | 'due_soon' | 'overdue';
/** A reminder is raised once per due cycle and level. */
export type ReminderLevel = 'due_soon' | 'overdue';

/** Thresholds of "due soon": whichever is reached first. */
export interface DueSoonThresholds {
  readonly days: number;
  readonly km: number;
  readonly hours: number;
}

/** The truck's own recent usage, from the daily usage roll-up (maintenance/usage-rollup.ts). */
export interface VehicleUsage {
  /** Time the readings below were true (end of the newest rolled-up day, or earlier). */
  readonly atMs: number;
  readonly odometerKm: number;
  readonly engineHours?: number;
  /** Average over the last 30 days (idle days count as zero; gaps are bridged by the odometer); undefined with under one day of history. */
  readonly kmPerDay?: number;
  readonly hoursPerDay?: number;
}

/** Where a due cycle starts: the last service of the item, or the vehicle's in-service date (odometer 0). */
export interface CycleStart {
  /** Identifies the cycle: the id of the service that started it, or `initial`. */
  readonly cycle: string;
  readonly atMs: number;
  readonly odometerKm: number;
  /** Absent for a service whose engine hours are unknown (not recorded, not known from usage): no hours limit in that cycle. */
  readonly engineHours?: number;
}

export interface DueItem {
  readonly itemId: string;
  readonly cycle: string;
  readonly dueKm?: number;
  readonly dueHours?: number;
  /** Calendar limit (months after the cycle start), epoch ms. */
  readonly dueDateMs?: number;
  /** When the first limit is expected to be reached, from the truck's own usage; undefined when nothing predicts it. */
  readonly predictedMs?: number;
  /** Which limit the prediction comes from. */
  readonly basis?: 'km' | 'hours' | 'months';
  readonly remainingKm?: number;
  readonly remainingHours?: number;
  readonly status: DueStatus;
}

/** Midnight (00:00 CST) of the China calendar day containing `ms`. */
export function cstDayStart(ms: number): number {
  return Math.floor((ms + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;
}

const cstDates = new Map<number, string>();

/** `YYYY-MM-DD` in China Standard Time (remembered per day: a first scan's ~170,000 reminder texts name a few hundred days). */
export function cstDate(ms: number): string {
  const day = Math.floor((ms + CST_OFFSET_MS) / DAY_MS);
  let date = cstDates.get(day);
  if (date === undefined) {
    date = new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
    if (cstDates.size < 100_000) cstDates.set(day, date);
  }
  return date;
}

const dateStarts = new Map<string, number>();

/** 00:00 CST of a `YYYY-MM-DD` date (remembered: a full scan asks for every vehicle's in-service date twice). */
export function cstDateStart(date: string): number {
  let ms = dateStarts.get(date);
  if (ms === undefined) {
    ms = Date.parse(`${date}T00:00:00+08:00`);
    if (dateStarts.size < 50_000) dateStarts.set(date, ms);
  }
  return ms;
}

const monthShifts = new Map<number, number>();

/** The same CST calendar day `months` later (clamped to the month's last day), at the same time of day. */
export function addMonthsCst(ms: number, months: number): number {
  // Remembered for whole-minute times (service dates, in-service dates): a full scan asks ~600,000 times for a few thousand.
  const key = ms % 60_000 === 0 && months >= 0 && months < 4096 ? (ms / 60_000) * 4096 + months : undefined;
  const known = key !== undefined ? monthShifts.get(key) : undefined;
  if (known !== undefined) return known;
  const d = new Date(ms + CST_OFFSET_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const shifted = Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  const out = shifted - CST_OFFSET_MS;
  if (key !== undefined && monthShifts.size < 100_000) monthShifts.set(key, out);
  return out;
}

/**
 * The due point of one item in one cycle and its status at `nowMs`. The odometer and engine hours are the
 * measured ones (never extrapolated); only the predicted date uses the usage rates.
 */
export function dueItem(
  item: Pick<MaintenanceItem, 'id' | 'every' | 'first'>,
  start: CycleStart,
  usage: VehicleUsage | undefined,
  nowMs: number,
  thresholds: DueSoonThresholds,
): DueItem {
  const interval: ServiceInterval = start.cycle === 'initial' ? item.first ?? item.every : item.every;
  const dueKm = interval.km !== undefined ? start.odometerKm + interval.km : undefined;
  const dueHours = interval.hours !== undefined && start.engineHours !== undefined ? start.engineHours + interval.hours : undefined;
  const dueDateMs = interval.months !== undefined ? addMonthsCst(start.atMs, interval.months) : undefined;

  const remainingKm = dueKm !== undefined && usage ? dueKm - usage.odometerKm : undefined;
  const remainingHours = dueHours !== undefined && usage?.engineHours !== undefined ? dueHours - usage.engineHours : undefined;

  // The earliest of the limits' expected dates (plain comparisons, no closure: a full scan calls this ~700,000 times).
  let predictedMs: number | undefined;
  let basis: DueItem['basis'];
  if (usage && remainingKm !== undefined) {
    const ms = remainingKm <= 0 ? usage.atMs : usage.kmPerDay !== undefined && usage.kmPerDay > 0 ? usage.atMs + (remainingKm / usage.kmPerDay) * DAY_MS : undefined;
    if (ms !== undefined && Number.isFinite(ms)) {
      predictedMs = ms;
      basis = 'km';
    }
  }
  if (usage && remainingHours !== undefined) {
    const ms = remainingHours <= 0 ? usage.atMs : usage.hoursPerDay !== undefined && usage.hoursPerDay > 0 ? usage.atMs + (remainingHours / usage.hoursPerDay) * DAY_MS : undefined;
    if (ms !== undefined && Number.isFinite(ms) && (predictedMs === undefined || ms < predictedMs)) {
      predictedMs = ms;
      basis = 'hours';
    }
  }
  if (dueDateMs !== undefined && Number.isFinite(dueDateMs) && (predictedMs === undefined || dueDateMs < predictedMs)) {
    predictedMs = dueDateMs;
    basis = 'months';
  }

  const overdue =
    (remainingKm !== undefined && remainingKm <= 0) ||
    (remainingHours !== undefined && remainingHours <= 0) ||
    (dueDateMs !== undefined && nowMs >= dueDateMs);
  const dueSoon =
    !overdue &&
    ((remainingKm !== undefined && remainingKm <= thresholds.km) ||
      (remainingHours !== undefined && remainingHours <= thresholds.hours) ||
      (predictedMs !== undefined && predictedMs - nowMs <= thresholds.days * DAY_MS));
  // Built field by field (no spreads): a full scan builds ~700,000 of these.
  const out: { -readonly [K in keyof DueItem]?: DueItem[K] } = { itemId: item.id, cycle: start.cycle };
  if (dueKm !== undefined) out.dueKm = dueKm;
  if (dueHours !== undefined) out.dueHours = dueHours;
  if (dueDateMs !== undefined) out.dueDateMs = dueDateMs;
  if (predictedMs !== undefined) {
    out.predictedMs = predictedMs;
    out.basis = basis;
  }
  if (remainingKm !== undefined) out.remainingKm = remainingKm;
  if (remainingHours !== undefined) out.remainingHours = remainingHours;
  out.status = overdue ? 'overdue' : dueSoon ? 'due_soon' : 'ok';
  return out as DueItem;
}


/** Warranty: the first of a time limit after the in-service date and a distance limit. */
export interface WarrantyTerms {
  readonly months: number;
  readonly km: number;
  readonly remindDays: number;
  readonly remindKm: number;
  /** The "warranty expired" reminder is raised only this many days after the warranty ended, not later. */
  readonly expiredDays: number;
}

/**
 * How long before the warranty ends its reminder is raised, and for how long after it ended the "expired" reminder
 * still is (the limits themselves are the model's policy).
 */
export type WarrantyReminderThresholds = Pick<WarrantyTerms, 'remindDays' | 'remindKm' | 'expiredDays'>;

/** What the due computation needs besides the vehicle's data: due-soon thresholds and warranty reminder terms. */
export interface DueRules {
  readonly thresholds: DueSoonThresholds;
  /** How early the warranty reminder comes, how long after expiry "expired" still is; the limits are the model's warranty policy. */
  readonly warranty: WarrantyReminderThresholds;
}

/** The terms of the repair loop's warranty policy of a model (core/warranty.ts: years and km from in-service). */
export function warrantyTermsOf(policy: WarrantyPolicy, remind: WarrantyReminderThresholds): WarrantyTerms {
  return { months: policy.years * 12, km: policy.km, remindDays: remind.remindDays, remindKm: remind.remindKm, expiredDays: remind.expiredDays };
}

export const WARRANTY_ITEM_ID = 'warranty';

/** Warranty expiry as a due item (cycle `warranty`): due soon inside the reminder window, overdue once expired. */
export function warrantyDue(inServiceDate: string, usage: VehicleUsage | undefined, nowMs: number, terms: WarrantyTerms): DueItem {
  return dueItem(
    { id: WARRANTY_ITEM_ID, every: { km: terms.km, months: terms.months } },
    { cycle: 'warranty', atMs: cstDateStart(inServiceDate), odometerKm: 0, engineHours: 0 },
    usage,
    nowMs,
    // Engine hours play no part in the warranty.
    { days: terms.remindDays, km: terms.remindKm, hours: 0 },
  );
}

/**
 * The reminder a due item calls for at `nowMs`: one level, the current one (a truck first seen overdue is not also
 * told "due soon") — except an expired warranty, announced only within `expiredDays` after it ended. The warranty
 * ended at the item's predicted date: the calendar limit, or the reading that first showed the distance limit passed
 * (when it was crossed before that is not known). A truck whose cover ended years ago (a fleet new to the product)
 * gets no "warranty expired" reminder; its due item still says `overdue`.
 */
export function reminderLevelOf(d: DueItem, nowMs: number, warranty: Pick<WarrantyTerms, 'expiredDays'>): ReminderLevel | undefined {
  if (d.status === 'ok') return undefined;
  if (d.status === 'overdue' && d.itemId === WARRANTY_ITEM_ID && d.cycle === 'warranty' && d.predictedMs !== undefined && nowMs - d.predictedMs > warranty.expiredDays * DAY_MS) return undefined;
  return d.status;
}
