// Events on the live stream (Redis Stream `events` of core/keys.ts), read by the API's SSE endpoint and
// the webhook deliverer. The scoping fields say who may see an event; the API filters by them.

export type LiveEventType =
  | 'vehicle.position'
  | 'vehicle.status'
  | 'vehicle.fault'
  /** A terminal's critical alarm (SOS, collision, rollover): core/alarm.ts. */
  | 'vehicle.alarm'
  | `rescue.${string}`
  | `complaint.${string}`
  /** Maintenance reminders and appointments (issue 18). */
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
