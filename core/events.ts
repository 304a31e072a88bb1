// Events on the live stream (Redis Stream `events` of core/keys.ts), read by the API's SSE endpoint and
// the webhook deliverer. The scoping fields say who may see an event; the API filters by them.
import { reminderLiveEvent, reminderOfStored } from './maintenance-reminder.ts';

export type LiveEventType =
  | 'vehicle.position'
  | 'vehicle.status'
  | 'vehicle.fault'
  /** A terminal's critical alarm (SOS, collision, rollover): core/alarm.ts. */
  | 'vehicle.alarm'
  | `rescue.${string}`
  | `complaint.${string}`
  /** Maintenance reminders and appointments (docs/maintenance.md). */
  | `maintenance.${string}`;

export interface LiveEvent {
  type: LiveEventType;
  /** ISO time the event happened (server time). */
  at: string;
  vin?: string;
  customerId?: string;
  caseId?: string;
  /** Stations allowed to see this event (offered or assigned station of a case). */
  stationIds?: string[];
  data: Record<string, unknown>;
}

/** Cap of the live stream; it is a feed, not a store (cases and telemetry live elsewhere). */
export const LIVE_STREAM_MAXLEN = 100_000;

/** A LiveEvent is stored in the stream as one field holding its JSON: `XADD events * event <json>`. */
export const LIVE_EVENT_FIELD = 'event';

/** The live event of one stream entry's field list and its JSON as stored, or undefined for an entry without a
 * readable one (a damaged entry is skipped by every reader: the stream is a feed). */
export function liveEventOfEntry(fields: readonly string[]): { event: LiveEvent; json: string } | undefined {
  const at = fields.indexOf(LIVE_EVENT_FIELD);
  if (at < 0 || at % 2 !== 0) return undefined;
  const json = fields[at + 1];
  if (json === undefined) return undefined;
  try {
    const event = JSON.parse(json) as LiveEvent;
    return event && typeof event.type === 'string' ? { event, json } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reminders raised together (one claim batch of the due scan, up to 1,000, any customers): one stream entry
 * `{ type: 'maintenance.reminders', at, data: { reminders: [record, …] } }` carrying each reminder's record
 * (core/maintenance-reminder.ts), not one `maintenance.reminder` entry each — a first scan of a 100,000-truck fleet
 * raises ~170,000, more than the stream keeps. Readers never pass it on as it is: `liveEventsOfEntry` turns it into
 * each reminder's own `maintenance.reminder` event, the same event as when each had an entry of its own.
 *
 * Ids: the entry's id is `ms-s`, and the stream holds no entry between it and `ms-(s - n)` (the batch reserves the n
 * sequence numbers below its entry: infra/maintenance-store.ts). Reminder k (0-based) of the n is known as
 * `ms-(s - n + 1 + k)`, so the last one's id is the entry's id: each reminder has its own id, in stream order, that
 * no other event has — the SSE `id` (resuming after any of them misses nothing and repeats nothing) and the
 * webhook's event id.
 */
export const REMINDERS_RAISED = 'maintenance.reminders';

/**
 * The live events of one stream entry, each with its id: the entry's own event (and its JSON as stored), or each
 * reminder of a `maintenance.reminders` entry. Empty for an entry without a readable event.
 */
export function liveEventsOfEntry(streamId: string, fields: readonly string[]): Array<{ id: string; event: LiveEvent; json?: string }> {
  const parsed = liveEventOfEntry(fields);
  if (!parsed) return [];
  if (parsed.event.type !== REMINDERS_RAISED) return [{ id: streamId, ...parsed }];
  const records = parsed.event.data['reminders'];
  const dash = streamId.indexOf('-');
  if (!Array.isArray(records) || dash < 0) return [];
  const ms = streamId.slice(0, dash);
  // Sequence numbers stay far below 2^53 (a stream gets them one by one), so plain numbers hold them.
  const first = Number(streamId.slice(dash + 1)) - records.length + 1;
  const out: Array<{ id: string; event: LiveEvent }> = [];
  records.forEach((record, k) => {
    const reminder = reminderOfStored(record);
    if (reminder) out.push({ id: `${ms}-${first + k}`, event: reminderLiveEvent(reminder) });
  });
  return out;
}
