// Reminders: one per (vehicle, item, due cycle, level), raised exactly once (infra/maintenance-store.ts claims
// the id atomically). Texts in zh-CN and English; dates shown in China Standard Time.
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

/** 320000 → "320,000" (what `Intl.NumberFormat('en-US')` prints for whole km, several times faster: a first scan writes ~170,000 texts). */
function fmtKm(km: number): string {
  const n = Math.round(km);
  const digits = String(Math.abs(n));
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}

/**
 * The two sentences of a reminder from the plate and item names as given: raw for `reminderText`, JSON-escaped for
 * `reminderTextJson` (the fixed words, dates and figures need no escaping, so both give the same text).
 */
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

/** A string as it appears inside JSON quotes. */
export function escapeJson(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/**
 * `JSON.stringify(reminderText(plate, name, level, due))`, from the plate and names already escaped (`escapeJson`, once
 * per vehicle and per plan item rather than once per reminder): a first scan writes ~170,000 texts.
 */
export function reminderTextJson(plateEscaped: string, name: LocalizedText, nameEscaped: LocalizedText, level: ReminderLevel, due: Omit<DueItem, 'status' | 'itemId' | 'cycle'>): string {
  const [zh, en] = textOf(plateEscaped, nameEscaped.zh, nameEscaped.en, name.en === WARRANTY_NAME.en, level, due);
  return `{"zh":"${zh}","en":"${en}"}`;
}

export const WARRANTY_NAME: LocalizedText = { zh: '整车质保', en: 'Vehicle warranty' };
