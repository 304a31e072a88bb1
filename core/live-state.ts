// A vehicle's live state: the Redis hash `keys.live(vin)` written by the ingester (last device time wins)
// and read by the API and the dispatcher. Every field is a string in Redis; `parseLiveState` is the one
// place that turns the hash into a typed value, tolerating missing or damaged fields.
import type { Dtc, FaultSeverity, Lamps } from './j1939.ts';
import type { PositionReport } from './telemetry.ts';

export type LiveSeverity = FaultSeverity | 'none';
export type ConnectionStatus = 'online' | 'offline';

/** The newest position's fields (`ts`: its device time, epoch ms), absent until the truck has reported one. */
export interface LiveState extends Partial<PositionReport> {
  vin: string;
  customerId?: string;
  /** Device time (epoch ms) of the newest DM1 snapshot. */
  dm1Ts?: number;
  /** Active fault codes of the newest DM1 snapshot (empty when none or never reported). */
  dtcs: Dtc[];
  lamps?: Lamps;
  severity: LiveSeverity;
  /** Server time (epoch ms) the ingester last stored anything from this vehicle. */
  lastSeen?: number;
  status?: ConnectionStatus;
  /** Server time (epoch ms) of the last status change. */
  statusTs?: number;
}

/** Hash field names, shared by the writer (ingest Lua script) and the readers. */
export const LIVE_FIELDS = {
  customerId: 'customerId',
  ts: 'ts',
  lat: 'lat',
  lon: 'lon',
  speedKmh: 'speedKmh',
  heading: 'heading',
  odometerKm: 'odometerKm',
  engineHours: 'engineHours',
  fuelPct: 'fuelPct',
  ignition: 'ignition',
  seq: 'seq',
  dm1Ts: 'dm1Ts',
  dtcs: 'dtcs',
  lamps: 'lamps',
  severity: 'severity',
  lastSeen: 'lastSeen',
  status: 'status',
  statusTs: 'statusTs',
} as const;

const SEVERITIES: readonly LiveSeverity[] = ['critical', 'warning', 'emissions', 'info', 'none'];

function num(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function parseDtcs(value: string | undefined): Dtc[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (d): d is Dtc =>
        typeof d === 'object' && d !== null && Number.isInteger(d.spn) && Number.isInteger(d.fmi) && Number.isInteger(d.oc),
    ).map((d) => ({ spn: d.spn, fmi: d.fmi, oc: d.oc }));
  } catch {
    return [];
  }
}

function parseLamps(value: string | undefined): Lamps | undefined {
  if (!value) return undefined;
  try {
    const l = JSON.parse(value) as Partial<Record<keyof Lamps, unknown>> | null;
    if (typeof l !== 'object' || l === null) return undefined;
    return { mil: l.mil === true, redStop: l.redStop === true, amberWarning: l.amberWarning === true, protect: l.protect === true };
  } catch {
    return undefined;
  }
}

/** Typed live state from the hash (HGETALL result); undefined when the vehicle has never reported. */
export function parseLiveState(vin: string, hash: Readonly<Record<string, string>>): LiveState | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  const F = LIVE_FIELDS;
  const state: LiveState = { vin, dtcs: parseDtcs(hash[F.dtcs]), severity: 'none' };
  if (hash[F.customerId]) state.customerId = hash[F.customerId];
  const numeric = ['ts', 'lat', 'lon', 'speedKmh', 'heading', 'odometerKm', 'engineHours', 'fuelPct', 'seq', 'dm1Ts', 'lastSeen', 'statusTs'] as const;
  for (const field of numeric) {
    const value = num(hash[F[field]]);
    if (value !== undefined) state[field] = value;
  }
  const ignition = hash[F.ignition];
  if (ignition === 'true' || ignition === 'false') state.ignition = ignition === 'true';
  const lamps = parseLamps(hash[F.lamps]);
  if (lamps) state.lamps = lamps;
  const severity = hash[F.severity] as LiveSeverity | undefined;
  if (severity && SEVERITIES.includes(severity)) state.severity = severity;
  const status = hash[F.status];
  if (status === 'online' || status === 'offline') state.status = status;
  return state;
}
