// One simulated truck as a pure state machine over simulated time (epoch ms): it drives legs between
// the cities of its corridor at cruise speed, makes short stops, takes the legal 20-minute break after
// four hours of driving and a night's rest after a shift, loads and unloads at the leg ends, refuels,
// breaks down (red stop lamp: it stops and stays broken until repaired), shows amber warnings, and
// loses coverage for minutes (positions are buffered and uploaded as a batch afterwards).
// No I/O and no clock: the fleet runtime calls `advanceTruck` and `takeMessages` with the time.
import type { CorridorPath } from './corridor-path.ts';
import { pointAt } from './corridor-path.ts';
import { AMBER_FAULTS, RED_STOP_FAULTS, type FaultCode } from './faults.ts';
import { round } from './geo.ts';
import type { Random } from '../core/prng.ts';

export interface TruckParams {
  /** Position report interval, simulated seconds. */
  readonly reportIntervalS: number;
  /** Red-stop breakdowns per truck per simulated day of ignition-on time. */
  readonly redStopPerDay: number;
  /** Amber warnings per truck per simulated day of ignition-on time. */
  readonly amberPerDay: number;
  /** Coverage gaps per truck per simulated day. */
  readonly gapsPerDay: number;
  /** Median length of a coverage gap, seconds (log-normal). */
  readonly gapMedianS: number;
  /** Median time until a broken-down truck is repaired and drives on, seconds (log-normal). */
  readonly repairMedianS: number;
  /** Mean time until an amber warning clears, seconds. */
  readonly amberClearMeanS: number;
  /** While any fault is active, the DM1 snapshot is repeated this often (seconds). */
  readonly dm1RepeatS: number;
  /** Largest batch upload after a coverage gap (device contract: ≤ 1,000). */
  readonly maxBatch: number;
  /** Positions a device keeps while offline; older ones are dropped. */
  readonly maxBuffered: number;
}

export const DEFAULT_TRUCK_PARAMS: TruckParams = {
  reportIntervalS: 30, redStopPerDay: 0.01, amberPerDay: 0.05, gapsPerDay: 3, gapMedianS: 300,
  repairMedianS: 3 * 3600, amberClearMeanS: 2 * 3600, dm1RepeatS: 60, maxBatch: 1000, maxBuffered: 50_000,
};

export type TruckPhase = 'driving' | 'stopped' | 'break' | 'rest' | 'loading' | 'broken';
/** Phases with the engine running. */
const IGNITION_ON: ReadonlySet<TruckPhase> = new Set(['driving', 'stopped', 'broken']);

const FOUR_HOURS_S = 4 * 3600;
const TANK_L = 600;
const L_PER_100KM = 32;
const IDLE_L_PER_H = 3;

export interface PositionPayload {
  ts: number; seq: number; lat: number; lon: number; speedKmh: number; heading: number;
  odometerKm: number; engineHours: number; fuelPct: number; ignition: boolean;
}
export interface Dm1Payload {
  ts: number; seq: number; lat: number; lon: number;
  lamps: { mil: boolean; redStop: boolean; amberWarning: boolean; protect: boolean };
  dtcs: Array<{ spn: number; fmi: number; oc: number }>;
}
export type TruckMessage =
  | { channel: 'position'; payload: PositionPayload | PositionPayload[] }
  | { channel: 'dm1'; payload: Dm1Payload };

interface ActiveFault {
  code: FaultCode;
  oc: number;
  clearsAt: number;
}

export interface TruckState {
  readonly vin: string;
  readonly rng: Random;
  readonly path: CorridorPath;
  /** Straight-line km along the corridor. */
  km: number;
  dir: 1 | -1;
  /** km (straight-line) where the current leg ends. */
  targetKm: number;
  phase: TruckPhase;
  /** End of a timed phase (everything but driving), sim ms. */
  phaseEndsAt: number;
  cruiseKmh: number;
  speedKmh: number;
  odometerKm: number;
  engineHours: number;
  fuelPct: number;
  drivenSinceBreakS: number;
  drivenInShiftS: number;
  shiftLimitS: number;
  nextStopAt: number;
  nextRedAt: number;
  nextAmberAt: number;
  nextGapAt: number;
  gapUntil: number;
  faults: ActiveFault[];
  /** Occurrence counts per SPN/FMI (J1939 OC), kept across clears. */
  occurrences: Map<string, number>;
  dm1Dirty: boolean;
  lastDm1At: number;
  buffer: PositionPayload[];
  seq: number;
  /** Simulated time the state is valid for. */
  at: number;
  nextReportAt: number;
  /** Counters for the progress display and KPIs. */
  stats: { redStops: number; ambers: number; gaps: number; dropped: number };
}

const secondsToMs = (s: number) => s * 1000;
const perDayToNext = (rng: Random, perDay: number, from: number) =>
  perDay > 0 ? from + secondsToMs(rng.exponential(86_400 / perDay)) : Infinity;

function startLeg(t: TruckState): void {
  const cities = t.path.cityKm;
  // Current city index: the nearest city along the corridor.
  let here = 0;
  for (let i = 1; i < cities.length; i++) if (Math.abs(cities[i]! - t.km) < Math.abs(cities[here]! - t.km)) here = i;
  const hops = t.rng.int(2, 6);
  let dir: 1 | -1 = t.rng.chance(0.5) ? 1 : -1;
  if (here + dir * 1 < 0 || here + dir * 1 >= cities.length) dir = dir === 1 ? -1 : 1;
  const to = Math.max(0, Math.min(cities.length - 1, here + dir * hops));
  t.dir = dir;
  t.targetKm = cities[to]!;
}

/** A truck somewhere on its corridor, mid-leg and driving, with plausible counters. */
export function createTruck(vin: string, path: CorridorPath, rng: Random, params: TruckParams, now: number): TruckState {
  const odometerKm = rng.range(20_000, 600_000);
  const t: TruckState = {
    vin, rng, path, km: rng.range(0, path.totalKm), dir: 1, targetKm: 0, phase: 'driving', phaseEndsAt: Infinity,
    cruiseKmh: rng.range(72, 86), speedKmh: 0, odometerKm, engineHours: odometerKm / rng.range(45, 60), fuelPct: rng.range(30, 100),
    drivenSinceBreakS: rng.range(0, 3 * 3600), drivenInShiftS: rng.range(0, 6 * 3600), shiftLimitS: rng.range(9, 11) * 3600,
    nextStopAt: now + secondsToMs(rng.exponential(5400)), nextRedAt: Infinity, nextAmberAt: Infinity, nextGapAt: Infinity,
    gapUntil: 0, faults: [], occurrences: new Map(), dm1Dirty: false, lastDm1At: 0, buffer: [], seq: rng.int(0, 1_000_000),
    at: now, nextReportAt: now + secondsToMs(rng.range(0, params.reportIntervalS)),
    stats: { redStops: 0, ambers: 0, gaps: 0, dropped: 0 },
  };
  startLeg(t);
  t.nextRedAt = perDayToNext(rng, params.redStopPerDay, now);
  t.nextAmberAt = perDayToNext(rng, params.amberPerDay, now);
  t.nextGapAt = perDayToNext(rng, params.gapsPerDay, now);
  return t;
}

function raiseFault(t: TruckState, code: FaultCode, clearsAt: number): void {
  if (t.faults.some((f) => f.code.spn === code.spn && f.code.fmi === code.fmi)) return;
  const key = `${code.spn}/${code.fmi}`;
  const oc = Math.min(126, (t.occurrences.get(key) ?? 0) + 1);
  t.occurrences.set(key, oc);
  t.faults.push({ code, oc, clearsAt });
  t.dm1Dirty = true;
}

/** Forces a red-stop breakdown now (scenarios: a storm, a demo's first breakdown). */
export function breakDown(t: TruckState, params: TruckParams, code?: FaultCode): void {
  const fault = code ?? t.rng.pick(RED_STOP_FAULTS);
  const repairedAt = t.at + secondsToMs(t.rng.logNormal(params.repairMedianS, 0.5));
  raiseFault(t, fault, repairedAt);
  t.phase = 'broken';
  t.phaseEndsAt = repairedAt;
  t.speedKmh = 0;
  t.stats.redStops++;
}

/** Starts a coverage gap now, for `seconds`. */
export function loseCoverage(t: TruckState, seconds: number): void {
  t.gapUntil = Math.max(t.gapUntil, t.at + secondsToMs(seconds));
  t.stats.gaps++;
}

function enterPhase(t: TruckState, phase: TruckPhase, seconds: number): void {
  t.phase = phase;
  t.phaseEndsAt = t.at + secondsToMs(seconds);
  t.speedKmh = 0;
}

function resumeDriving(t: TruckState): void {
  t.phase = 'driving';
  t.phaseEndsAt = Infinity;
  if (t.fuelPct < 25) t.fuelPct = t.rng.range(92, 100);
}

/** The next time something happens by itself (phase end, fault event, fault clearing). */
export function nextEventAt(t: TruckState): number {
  let next = Math.min(t.nextRedAt, t.nextAmberAt, t.nextGapAt);
  if (t.phase !== 'driving') next = Math.min(next, t.phaseEndsAt);
  for (const f of t.faults) next = Math.min(next, f.clearsAt);
  return next;
}

function burn(t: TruckState, seconds: number, km: number): void {
  const litres = (km * L_PER_100KM) / 100 + (km === 0 ? (IDLE_L_PER_H * seconds) / 3600 : 0);
  t.fuelPct = Math.max(1, t.fuelPct - (litres / TANK_L) * 100);
  t.engineHours += seconds / 3600;
}

/** Advances the truck's physics and phase machine to `to` (sim ms). */
export function advanceTruck(t: TruckState, to: number, params: TruckParams): void {
  if (t.phase === 'driving') t.speedKmh = Math.max(60, Math.min(90, t.cruiseKmh + t.rng.normal(0, 3)));
  let guard = 0;
  while (t.at < to) {
    if (++guard > 10_000) throw new Error(`truck ${t.vin}: phase machine did not converge`);
    let until = Math.min(to, nextEventAt(t));
    if (t.phase === 'driving') {
      const kmPerMs = t.speedKmh / t.path.circuity / 3_600_000;
      const toTarget = Math.abs(t.targetKm - t.km) / kmPerMs;
      const toBreak = secondsToMs(FOUR_HOURS_S - t.drivenSinceBreakS);
      const toShiftEnd = secondsToMs(t.shiftLimitS - t.drivenInShiftS);
      until = Math.min(until, t.at + Math.max(0, Math.min(toTarget, toBreak, toShiftEnd)), Math.max(t.at, t.nextStopAt));
    }
    until = Math.max(until, t.at);
    const dtMs = until - t.at;
    if (dtMs > 0) {
      const seconds = dtMs / 1000;
      if (t.phase === 'driving') {
        const geoKm = (t.speedKmh / t.path.circuity) * (seconds / 3600);
        const moved = Math.min(geoKm, Math.abs(t.targetKm - t.km));
        t.km += t.dir * moved;
        t.odometerKm += moved * t.path.circuity;
        t.drivenSinceBreakS += seconds;
        t.drivenInShiftS += seconds;
        burn(t, seconds, moved * t.path.circuity);
      } else if (IGNITION_ON.has(t.phase)) {
        burn(t, seconds, 0);
      }
      t.at = until;
    }
    handleEvents(t, params);
    if (dtMs === 0 && t.at >= to) break;
  }
}

function handleEvents(t: TruckState, params: TruckParams): void {
  const now = t.at;
  // Faults clearing on their own (amber) or by repair (red, together with the phase end).
  const before = t.faults.length;
  t.faults = t.faults.filter((f) => f.clearsAt > now);
  if (t.faults.length !== before) t.dm1Dirty = true;

  if (now >= t.nextGapAt) {
    loseCoverage(t, t.rng.logNormal(params.gapMedianS, 0.6));
    t.nextGapAt = perDayToNext(t.rng, params.gapsPerDay, now);
  }
  if (now >= t.nextAmberAt) {
    if (IGNITION_ON.has(t.phase)) {
      raiseFault(t, t.rng.pick(AMBER_FAULTS), now + secondsToMs(t.rng.exponential(params.amberClearMeanS)));
      t.stats.ambers++;
    }
    t.nextAmberAt = perDayToNext(t.rng, params.amberPerDay, now);
  }
  if (now >= t.nextRedAt) {
    if (t.phase === 'driving' || t.phase === 'stopped') breakDown(t, params);
    t.nextRedAt = perDayToNext(t.rng, params.redStopPerDay, now);
  }

  if (t.phase !== 'driving') {
    if (now < t.phaseEndsAt) return;
    if (t.phase === 'broken') {
      // Repaired: the technician leaves, the driver checks the truck for a few minutes.
      enterPhase(t, 'stopped', t.rng.range(300, 900));
      return;
    }
    if (t.phase === 'loading') startLeg(t);
    resumeDriving(t);
    return;
  }
  // Tolerances: float steps of epoch milliseconds cannot hit a threshold exactly.
  if (Math.abs(t.targetKm - t.km) < 1e-6) {
    t.km = t.targetKm;
    enterPhase(t, 'loading', t.rng.range(1800, 7200));
  } else if (t.drivenInShiftS >= t.shiftLimitS - 0.01) {
    t.drivenInShiftS = 0;
    t.drivenSinceBreakS = 0;
    t.shiftLimitS = t.rng.range(9, 11) * 3600;
    enterPhase(t, 'rest', t.rng.range(8, 10) * 3600);
  } else if (t.drivenSinceBreakS >= FOUR_HOURS_S - 0.01) {
    t.drivenSinceBreakS = 0;
    enterPhase(t, 'break', t.rng.range(1200, 2700));
  } else if (now >= t.nextStopAt) {
    t.nextStopAt = now + secondsToMs(t.rng.exponential(5400));
    enterPhase(t, 'stopped', t.rng.range(60, 600));
  }
}

function nextSeq(t: TruckState): number {
  t.seq = (t.seq + 1) >>> 0;
  return t.seq;
}

export function positionPayload(t: TruckState): PositionPayload {
  const p = pointAt(t.path, t.km, t.dir);
  return {
    ts: Math.round(t.at), seq: nextSeq(t), lat: round(p.lat, 6), lon: round(p.lon, 6),
    speedKmh: round(t.phase === 'driving' ? t.speedKmh : 0, 1), heading: Math.round(p.heading) % 360,
    odometerKm: round(t.odometerKm, 1), engineHours: round(t.engineHours, 1), fuelPct: round(t.fuelPct, 1),
    ignition: IGNITION_ON.has(t.phase),
  };
}

export function dm1Payload(t: TruckState): Dm1Payload {
  const p = pointAt(t.path, t.km, t.dir);
  const has = (lamp: FaultCode['lamp']) => t.faults.some((f) => f.code.lamp === lamp);
  return {
    ts: Math.round(t.at), seq: nextSeq(t), lat: round(p.lat, 6), lon: round(p.lon, 6),
    lamps: { mil: has('mil'), redStop: has('redStop'), amberWarning: has('amberWarning'), protect: has('protect') },
    dtcs: t.faults.map((f) => ({ spn: f.code.spn, fmi: f.code.fmi, oc: f.oc })).sort((a, b) => a.spn - b.spn || a.fmi - b.fmi),
  };
}

export function inCoverageGap(t: TruckState): boolean {
  return t.at < t.gapUntil;
}

/**
 * Advances to `now` and returns what the device sends now: a DM1 when the fault set changed (or as the
 * periodic repeat while faults are active) and a position when one is due. Inside a coverage gap
 * positions are buffered; the first report after the gap uploads them as arrays of ≤ maxBatch, oldest
 * first, followed by any pending DM1.
 */
export function takeMessages(t: TruckState, now: number, params: TruckParams): TruckMessage[] {
  advanceTruck(t, now, params);
  const out: TruckMessage[] = [];
  const gap = inCoverageGap(t);
  if (now >= t.nextReportAt) {
    t.nextReportAt = now + secondsToMs(params.reportIntervalS);
    const position = positionPayload(t);
    if (gap) {
      t.buffer.push(position);
      if (t.buffer.length > params.maxBuffered) {
        t.buffer.shift();
        t.stats.dropped++;
      }
    } else if (t.buffer.length > 0) {
      const all = [...t.buffer, position];
      t.buffer = [];
      for (let i = 0; i < all.length; i += params.maxBatch) out.push({ channel: 'position', payload: all.slice(i, i + params.maxBatch) });
    } else {
      out.push({ channel: 'position', payload: position });
    }
  }
  if (!gap) {
    const repeatDue = t.faults.length > 0 && now - t.lastDm1At >= secondsToMs(params.dm1RepeatS);
    if (t.dm1Dirty || repeatDue) {
      t.dm1Dirty = false;
      t.lastDm1At = now;
      out.push({ channel: 'dm1', payload: dm1Payload(t) });
    }
  }
  return out;
}

/** When the runtime should call `takeMessages` next for this truck. */
export function nextDueAt(t: TruckState, params: TruckParams): number {
  let due = Math.min(t.nextReportAt, nextEventAt(t));
  if (t.gapUntil > t.at) due = Math.min(due, t.gapUntil);
  else if (t.faults.length > 0) due = Math.min(due, t.lastDm1At + secondsToMs(params.dm1RepeatS));
  return due;
}
