// Reminders: one per (vehicle, item, due cycle, level), raised exactly once (infra/maintenance-store.ts claims
// the id atomically). Texts in zh-CN and English; dates shown in China Standard Time. A reminder is stored and
// announced as its record (what the text is made of, not the text), and its text is built when it is read.
import type { LiveEvent } from './events.ts';
import { cstDate, type DueItem, type ReminderLevel } from './maintenance-due.ts';
import type { LocalizedText } from './maintenance-plan.ts';

export type ReminderState = 'open' | 'snoozed' | 'dismissed';

export interface Reminder {
  /** `${vin}:${itemId}:${cycle}:${level}`: the exactly-once identity. */
  readonly id: string;
  readonly vin: string;
  readonly customerId: string;
  readonly itemId: string;
  readonly cycle: string;
  readonly level: ReminderLevel;
  /** Epoch ms it was raised (scheduler time). */
  readonly raisedAt: number;
  readonly due: Omit<DueItem, 'status' | 'itemId' | 'cycle'>;
  readonly text: LocalizedText;
  state: ReminderState;
  snoozedUntil?: number;
  /** Why it was snoozed or dismissed. */
  reason?: string;
  /** Who snoozed or dismissed it (token subject). */
  by?: string;
  /** Shown with it (not stored): a service-day offer of the customer's fixed point near the due date. */
  serviceDay?: { stationId: string; date: string; offer: LocalizedText };
}

export function reminderId(vin: string, itemId: string, cycle: string, level: ReminderLevel): string {
  return `${vin}:${itemId}:${cycle}:${level}`;
}

/** 320000 → "320,000" (what `Intl.NumberFormat('en-US')` prints for whole km, several times faster: the ~170,000 reminders of a first scan are read by the webhook relay and the event stream). */
function fmtKm(km: number): string {
  const n = Math.round(km);
  const digits = String(Math.abs(n));
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/** The two sentences of a reminder. */
function textOf(plate: string, zh: string, en: string, warranty: boolean, level: ReminderLevel, due: Omit<DueItem, 'status' | 'itemId' | 'cycle'>): [string, string] {
  const when = due.predictedMs !== undefined ? cstDate(due.predictedMs) : undefined;
  const atKm = due.dueKm !== undefined ? fmtKm(due.dueKm) : undefined;
  if (warranty) {
    return level === 'overdue'
      ? [`${plate}：整车质保已到期（${when ?? ''}）。`, `${plate}: the vehicle warranty has expired (${when ?? ''}).`]
      : [`${plate}：整车质保将于 ${when ?? ''} 前后到期，请在到期前安排检查。`, `${plate}: the vehicle warranty ends around ${when ?? ''}; book a check before it ends.`];
  }
  const limits = atKm !== undefined ? (when !== undefined ? `${atKm} km / ${when}` : `${atKm} km`) : (when ?? '');
  return level === 'overdue'
    ? [`${plate}：${zh}已超期（应于 ${limits} 保养），请尽快预约。`, `${plate}: ${en} is overdue (due at ${limits}); please book a service now.`]
    : [`${plate}：${zh}即将到期（预计 ${limits}），请预约保养。`, `${plate}: ${en} is due soon (expected ${limits}); please book a service.`];
}

/** The reminder's text for the customer and its advisor. */
export function reminderText(plate: string, itemName: LocalizedText, level: ReminderLevel, due: Omit<DueItem, 'status' | 'itemId' | 'cycle'>): LocalizedText {
  const [zh, en] = textOf(plate, itemName.zh, itemName.en, itemName.en === WARRANTY_NAME.en, level, due);
  return { zh, en };
}

export const WARRANTY_NAME: LocalizedText = { zh: '整车质保', en: 'Vehicle warranty' };

/** What a reminder is made of: its record (stored in the reminders hash and announced on the live stream). */
export interface ReminderFacts {
  readonly raisedAt: number;
  readonly customerId: string;
  readonly vin: string;
  /** The vehicle as the text names it: its plate, else its VIN. */
  readonly plate: string;
  readonly itemId: string;
  readonly cycle: string;
  readonly level: ReminderLevel;
  readonly itemName: LocalizedText;
  readonly due: Reminder['due'];
}

/** First element of a reminder record (the other stored forms are JSON objects). */
export const REMINDER_RECORD = 1;

/**
 * A reminder's record as JSON: `[1, raisedAt, customerId, vin, plate, itemId, cycle, level, item name zh, item name
 * en, dueKm, dueHours, dueDateMs, predictedMs, basis, remainingKm, remainingHours]`, null for an absent figure. About
 * a third of the reminder's text: a first scan of 100,000 trucks raises ~170,000, and their two-language texts were
 * most of what the scan sent to Redis. The scan writes the same string directly (maintenance/due-scan.ts).
 */
export function reminderRecordJson(f: ReminderFacts): string {
  const d = f.due;
  return JSON.stringify([
    REMINDER_RECORD, f.raisedAt, f.customerId, f.vin, f.plate, f.itemId, f.cycle, f.level, f.itemName.zh, f.itemName.en,
    d.dueKm ?? null, d.dueHours ?? null, d.dueDateMs ?? null, d.predictedMs ?? null, d.basis ?? null, d.remainingKm ?? null, d.remainingHours ?? null,
  ]);
}

type ReminderRecord = [typeof REMINDER_RECORD, number, string, string, string, string, string, ReminderLevel, string, string,
  number | null, number | null, number | null, number | null, DueItem['basis'] | null, number | null, number | null];

/** A reminder from its record, its text built now (open: a change of state stores the reminder itself). */
function reminderOfRecord(r: ReminderRecord): Reminder {
  const [, raisedAt, customerId, vin, plate, itemId, cycle, level, zh, en, dueKm, dueHours, dueDateMs, predictedMs, basis, remainingKm, remainingHours] = r;
  // The figures in the order the due items name them (the `due` object of the event keeps that order).
  const due: { -readonly [K in keyof Reminder['due']]?: Reminder['due'][K] } = {};
  if (dueKm !== null) due.dueKm = dueKm;
  if (dueHours !== null) due.dueHours = dueHours;
  if (dueDateMs !== null) due.dueDateMs = dueDateMs;
  if (predictedMs !== null) due.predictedMs = predictedMs;
  if (basis !== null) due.basis = basis;
  if (remainingKm !== null) due.remainingKm = remainingKm;
  if (remainingHours !== null) due.remainingHours = remainingHours;
  return {
    id: reminderId(vin, itemId, cycle, level), vin, customerId, itemId, cycle, level, raisedAt, due,
    text: reminderText(plate, { zh, en }, level, due), state: 'open',
  };
}

/**
 * A stored reminder, parsed from JSON: its record (this version), its live event (as the previous version stored a
 * raised reminder), or the reminder itself (after a snooze or dismiss, and as earlier versions stored it). Undefined
 * for anything else.
 */
export function reminderOfStored(v: unknown): Reminder | undefined {
  if (Array.isArray(v)) return v[0] === REMINDER_RECORD && v.length === 17 ? reminderOfRecord(v as ReminderRecord) : undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  if (!('type' in v)) return 'id' in v ? (v as Reminder) : undefined;
  const e = v as LiveEvent;
  const d = e.data as { reminderId: string; itemId: string; level: Reminder['level']; cycle: string; text: Reminder['text']; due: Reminder['due'] };
  return {
    id: d.reminderId, vin: e.vin!, customerId: e.customerId!, itemId: d.itemId, cycle: d.cycle, level: d.level,
    raisedAt: Date.parse(e.at), due: d.due, text: d.text, state: 'open',
  };
}

let isoAt = { ms: Number.NaN, iso: '' };

/**
 * The `maintenance.reminder` live event of a reminder — what the API's event stream (SSE) and the customer's webhook
 * get for each reminder: `{ type, at, vin, customerId, data: { reminderId, itemId, level, cycle, text, due } }`, in
 * that order (its JSON is the webhook body).
 */
export function reminderLiveEvent(r: Reminder): LiveEvent {
  // One time string for a batch's reminders (one raisedAt).
  if (isoAt.ms !== r.raisedAt) isoAt = { ms: r.raisedAt, iso: new Date(r.raisedAt).toISOString() };
  return {
    type: 'maintenance.reminder', at: isoAt.iso, vin: r.vin, customerId: r.customerId,
    data: { reminderId: r.id, itemId: r.itemId, level: r.level, cycle: r.cycle, text: { zh: r.text.zh, en: r.text.en }, due: r.due },
  };
}
