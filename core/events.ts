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
