// Device payload schemas of docs/protocol.md as hand-written validators: they run once per message on the
// ingest hot path, so they avoid a schema interpreter and allocate only the value they return. Each one
// builds a fresh object from the fields it knows; unknown fields (and keys like `__proto__`) are ignored.
import type { Dtc, Lamps } from './j1939.ts';

export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_RECORDS_PER_MESSAGE = 1000;
export const MAX_DTCS_PER_SNAPSHOT = 500;
/** Device time may run ahead of server time by at most this much. */
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;
/** Device times before 2000-01-01 are a broken clock, not a truck that travelled in time. */
export const MIN_DEVICE_TIME_MS = Date.UTC(2000, 0, 1);

/** Why a message (or one record of a batch) was not stored; the dead-letter reasons of the metrics. */
export type DeadLetterReason =
  | 'unknown_topic'
  | 'invalid_vin'
  | 'unknown_vin'
  | 'oversized'
  | 'bad_json'
  | 'invalid_payload'
  | 'out_of_range'
  | 'future_timestamp'
  | 'too_many_records'
  | 'influx_rejected';

export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = [
  'unknown_topic', 'invalid_vin', 'unknown_vin', 'oversized', 'bad_json', 'invalid_payload', 'out_of_range',
  'future_timestamp', 'too_many_records', 'influx_rejected',
];

export interface PositionReport {
  /** Device time, epoch ms UTC. */
  ts: number;
  seq?: number;
  lat: number;
  lon: number;
  speedKmh?: number;
  heading?: number;
  odometerKm?: number;
  engineHours?: number;
  fuelPct?: number;
  ignition?: boolean;
}

export interface Dm1Report {
  ts: number;
  seq?: number;
  lat?: number;
  lon?: number;
  lamps: Lamps;
  /** Active codes, unique by (spn, fmi), sorted by spn then fmi. */
  dtcs: Dtc[];
}

export type ConnectionStatusReport = 'online' | 'offline';

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; detail: string };

class Rejection {
  constructor(readonly reason: DeadLetterReason, readonly detail: string) {}
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deviceTime(value: unknown, now: number): number {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Rejection('invalid_payload', 'ts must be a finite number');
    ms = Math.round(value);
  } else if (typeof value === 'string') {
    if (value.length > 40 || !ISO_TIME.test(value)) throw new Rejection('invalid_payload', 'ts must be epoch ms or an ISO-8601 time with zone');
    ms = Date.parse(value);
    if (!Number.isFinite(ms)) throw new Rejection('invalid_payload', 'ts is not a valid ISO-8601 time');
  } else if (value === undefined) {
    throw new Rejection('invalid_payload', 'ts is required');
  } else {
    throw new Rejection('invalid_payload', 'ts must be epoch ms or an ISO-8601 string');
  }
  if (ms > now + MAX_FUTURE_MS) throw new Rejection('future_timestamp', `ts ${ms} is more than 24 h ahead of server time ${now}`);
  if (ms < MIN_DEVICE_TIME_MS) throw new Rejection('out_of_range', `ts ${ms} is before 2000-01-01`);
  return ms;
}

function numberIn(obj: Record<string, unknown>, field: string, min: number, max: number, required: true): number;
function numberIn(obj: Record<string, unknown>, field: string, min: number, max: number, required?: false): number | undefined;
function numberIn(obj: Record<string, unknown>, field: string, min: number, max: number, required = false): number | undefined {
  const value = obj[field];
  if (value === undefined || (value === null && !required)) {
    if (required) throw new Rejection('invalid_payload', `${field} is required`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Rejection('invalid_payload', `${field} must be a number`);
  if (value < min || value > max) throw new Rejection('out_of_range', `${field} ${value} is outside ${min}..${max}`);
  return value;
}

function integerIn(obj: Record<string, unknown>, field: string, min: number, max: number, required = false): number | undefined {
  const value = required ? numberIn(obj, field, min, max, true) : numberIn(obj, field, min, max);
  if (value !== undefined && !Number.isInteger(value)) throw new Rejection('invalid_payload', `${field} must be an integer`);
  return value;
}

function booleanField(obj: Record<string, unknown>, field: string): boolean | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new Rejection('invalid_payload', `${field} must be true or false`);
  return value;
}

function position(value: unknown, now: number): PositionReport {
  if (!isRecord(value)) throw new Rejection('invalid_payload', 'a position must be a JSON object');
  const report: PositionReport = {
    ts: deviceTime(value.ts, now),
    lat: numberIn(value, 'lat', -90, 90, true),
    lon: numberIn(value, 'lon', -180, 180, true),
  };
  const seq = integerIn(value, 'seq', 0, 0xffff_ffff);
  if (seq !== undefined) report.seq = seq;
  const speedKmh = numberIn(value, 'speedKmh', 0, 400);
  if (speedKmh !== undefined) report.speedKmh = speedKmh;
  const heading = numberIn(value, 'heading', 0, 360);
  if (heading !== undefined) report.heading = heading;
  const odometerKm = numberIn(value, 'odometerKm', 0, 100_000_000);
  if (odometerKm !== undefined) report.odometerKm = odometerKm;
  const engineHours = numberIn(value, 'engineHours', 0, 10_000_000);
  if (engineHours !== undefined) report.engineHours = engineHours;
  const fuelPct = numberIn(value, 'fuelPct', 0, 100);
  if (fuelPct !== undefined) report.fuelPct = fuelPct;
  const ignition = booleanField(value, 'ignition');
  if (ignition !== undefined) report.ignition = ignition;
  return report;
}

function checked<T>(run: () => T): Checked<T> {
  try {
    return { ok: true, value: run() };
  } catch (err) {
    if (err instanceof Rejection) return { ok: false, reason: err.reason, detail: err.detail };
    throw err;
  }
}

/**
 * The records of a `position` message (already JSON-parsed): one object or an array of up to 1,000.
 * Each record is checked on its own, so one bad record of a buffered batch does not lose the others.
 */
export function checkPositionMessage(parsed: unknown, now: number): Checked<Array<Checked<PositionReport>>> {
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return { ok: false, reason: 'invalid_payload', detail: 'empty array' };
    if (parsed.length > MAX_RECORDS_PER_MESSAGE) {
      return { ok: false, reason: 'too_many_records', detail: `${parsed.length} records, at most ${MAX_RECORDS_PER_MESSAGE}` };
    }
    return { ok: true, value: parsed.map((record) => checkedPosition(record, now)) };
  }
  return { ok: true, value: [checkedPosition(parsed, now)] };
}

/** `checked(() => position(value, now))` without the closure: this runs for every position record. */
function checkedPosition(value: unknown, now: number): Checked<PositionReport> {
  try {
    return { ok: true, value: position(value, now) };
  } catch (err) {
    if (err instanceof Rejection) return { ok: false, reason: err.reason, detail: err.detail };
    throw err;
  }
}

function lamps(value: unknown): Lamps {
  if (value === undefined || value === null) return { mil: false, redStop: false, amberWarning: false, protect: false };
  if (!isRecord(value)) throw new Rejection('invalid_payload', 'lamps must be an object');
  return {
    mil: booleanField(value, 'mil') ?? false,
    redStop: booleanField(value, 'redStop') ?? false,
    amberWarning: booleanField(value, 'amberWarning') ?? false,
    protect: booleanField(value, 'protect') ?? false,
  };
}

function dtcList(value: unknown): Dtc[] {
  if (!Array.isArray(value)) throw new Rejection('invalid_payload', 'dtcs must be an array (empty when all cleared)');
  if (value.length > MAX_DTCS_PER_SNAPSHOT) throw new Rejection('too_many_records', `${value.length} dtcs, at most ${MAX_DTCS_PER_SNAPSHOT}`);
  const byCode = new Map<number, Dtc>();
  for (const item of value) {
    if (!isRecord(item)) throw new Rejection('invalid_payload', 'each dtc must be an object {spn, fmi, oc}');
    const dtc: Dtc = {
      spn: integerIn(item, 'spn', 0, 524_287, true)!,
      fmi: integerIn(item, 'fmi', 0, 31, true)!,
      oc: integerIn(item, 'oc', 0, 126) ?? 0,
    };
    // A code listed twice is one active code; keep the higher occurrence count.
    const key = dtc.spn * 32 + dtc.fmi;
    const seen = byCode.get(key);
    if (!seen || seen.oc < dtc.oc) byCode.set(key, dtc);
  }
  return [...byCode.values()].sort((a, b) => a.spn - b.spn || a.fmi - b.fmi);
}

/** A `dm1` message (already JSON-parsed): one complete snapshot of active codes and lamps. */
export function checkDm1Message(parsed: unknown, now: number): Checked<Dm1Report> {
  return checked(() => {
    if (!isRecord(parsed)) throw new Rejection('invalid_payload', 'a dm1 snapshot must be a JSON object');
    const report: Dm1Report = { ts: deviceTime(parsed.ts, now), lamps: lamps(parsed.lamps), dtcs: dtcList(parsed.dtcs) };
    const seq = integerIn(parsed, 'seq', 0, 0xffff_ffff);
    if (seq !== undefined) report.seq = seq;
    const lat = numberIn(parsed, 'lat', -90, 90);
    const lon = numberIn(parsed, 'lon', -180, 180);
    if ((lat === undefined) !== (lon === undefined)) throw new Rejection('invalid_payload', 'lat and lon come together');
    if (lat !== undefined && lon !== undefined) {
      report.lat = lat;
      report.lon = lon;
    }
    return report;
  });
}

/** A `status` message: the plain text `online` or `offline` (retained; `offline` is the truck's last will). */
export function checkStatusMessage(payload: string): Checked<ConnectionStatusReport> {
  const text = payload.trim();
  if (text === 'online' || text === 'offline') return { ok: true, value: text };
  return { ok: false, reason: 'invalid_payload', detail: 'status must be "online" or "offline"' };
}

/** JSON.parse that reports instead of throwing. */
export function parseJson(text: string): Checked<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: 'bad_json', detail: err instanceof Error ? err.message.slice(0, 200) : 'invalid JSON' };
  }
}

/** One entry of the dead-letter list `keys.deadLetters` (JSON), shown by the API to admins and agents. */
export interface DeadLetter {
  /** Server time it was dead-lettered (ISO-8601). */
  at: string;
  reason: DeadLetterReason;
  topic: string;
  vin?: string;
  detail: string;
  /** First 4 KiB of the payload as text. */
  payload: string;
}

export const DEAD_LETTER_LIST_MAX = 10_000;
export const DEAD_LETTER_PAYLOAD_BYTES = 4096;
