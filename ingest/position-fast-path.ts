// The common case of a `position` message — one flat JSON object whose keys are all known position fields,
// numbers (and `ignition` true/false), every value valid — read straight from the payload bytes: no UTF-8
// string of the payload, no generic JSON.parse object graph, no exception machinery. It returns the very
// PositionReport the full path (JSON.parse + core/telemetry.ts checkPositionMessage) would return, with the
// same property order, or undefined for ANYTHING else (arrays, unknown or repeated keys, null, strings, escapes,
// out-of-range or invalid values, malformed JSON): the caller then takes the full path, which decides and
// explains. Equivalence is checked by a randomised test against the full path (test/ingest/position-fast-path.test.ts).
import { MAX_FUTURE_MS, MIN_DEVICE_TIME_MS, type PositionReport } from '../core/telemetry.ts';

const Field = { ts: 0, seq: 1, lat: 2, lon: 3, speedKmh: 4, heading: 5, odometerKm: 6, engineHours: 7, fuelPct: 8, ignition: 9 } as const;
type Field = (typeof Field)[keyof typeof Field];

// Each field's key as bytes, indexed by field.
const KEYS: readonly Buffer[] = ['ts', 'seq', 'lat', 'lon', 'speedKmh', 'heading', 'odometerKm', 'engineHours', 'fuelPct', 'ignition']
  .map((key) => Buffer.from(key, 'latin1'));

// Exact powers of ten: m / 10^k is correctly rounded (as JSON.parse is) while m < 2^53 and k ≤ 22.
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

const values = new Float64Array(10);

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function keyAt(buf: Buffer, start: number, end: number): number {
  // Candidates by length and a distinguishing byte, then the whole key compared.
  let field: number;
  switch (end - start) {
    case 2: field = Field.ts; break;
    case 3: field = buf[start + 2] === 0x71 ? Field.seq : buf[start + 2] === 0x74 ? Field.lat : Field.lon; break;
    case 7: field = buf[start] === 0x68 ? Field.heading : Field.fuelPct; break;
    case 8: field = buf[start] === 0x73 ? Field.speedKmh : Field.ignition; break;
    case 10: field = Field.odometerKm; break;
    case 11: field = Field.engineHours; break;
    default: return -1;
  }
  const key = KEYS[field]!;
  for (let i = 0; i < key.length; i++) if (buf[start + i] !== key[i]) return -1;
  return field;
}

/** The position in `payload`, or undefined when the full path must decide. `now`: server time (ms). */
export function parsePositionFast(payload: Buffer, now: number): PositionReport | undefined {
  const n = payload.length;
  let i = 0;
  while (i < n && isSpace(payload[i]!)) i++;
  if (payload[i] !== 0x7b /* { */) return undefined;
  i++;
  let seen = 0;
  let ignition = false;
  for (;;) {
    while (i < n && isSpace(payload[i]!)) i++;
    if (payload[i] === 0x7d /* } */ && seen === 0) {
      i++;
      break;
    }
    // "key"
    if (payload[i] !== 0x22) return undefined;
    const keyStart = ++i;
    while (i < n && payload[i] !== 0x22) {
      if (payload[i] === 0x5c /* \ */) return undefined;
      i++;
    }
    if (i >= n) return undefined;
    const field = keyAt(payload, keyStart, i);
    if (field < 0 || (seen & (1 << field)) !== 0) return undefined;
    seen |= 1 << field;
    i++;
    while (i < n && isSpace(payload[i]!)) i++;
    if (payload[i] !== 0x3a /* : */) return undefined;
    i++;
    while (i < n && isSpace(payload[i]!)) i++;
    if (field === Field.ignition) {
      if (payload[i] === 0x74 && payload[i + 1] === 0x72 && payload[i + 2] === 0x75 && payload[i + 3] === 0x65) {
        ignition = true;
        i += 4;
      } else if (payload[i] === 0x66 && payload[i + 1] === 0x61 && payload[i + 2] === 0x6c && payload[i + 3] === 0x73 && payload[i + 4] === 0x65) {
        ignition = false;
        i += 5;
      } else return undefined;
    } else {
      // A JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
      const start = i;
      let negative = false;
      if (payload[i] === 0x2d) {
        negative = true;
        i++;
      }
      let mantissa = 0;
      let digits = 0;
      let fraction = 0;
      let c = payload[i];
      if (c === 0x30) {
        i++;
        c = payload[i];
        if (c !== undefined && c >= 0x30 && c <= 0x39) return undefined; // leading zero
      } else if (c !== undefined && c >= 0x31 && c <= 0x39) {
        while (c !== undefined && c >= 0x30 && c <= 0x39) {
          mantissa = mantissa * 10 + (c - 0x30);
          digits++;
          c = payload[++i];
        }
      } else return undefined;
      if (c === 0x2e) {
        c = payload[++i];
        if (c === undefined || c < 0x30 || c > 0x39) return undefined;
        while (c !== undefined && c >= 0x30 && c <= 0x39) {
          mantissa = mantissa * 10 + (c - 0x30);
          if (mantissa !== 0) digits++;
          fraction++;
          c = payload[++i];
        }
      }
      let exact = digits <= 15 && fraction <= 22;
      if (c === 0x65 || c === 0x45) {
        c = payload[++i];
        if (c === 0x2b || c === 0x2d) c = payload[++i];
        if (c === undefined || c < 0x30 || c > 0x39) return undefined;
        while (c !== undefined && c >= 0x30 && c <= 0x39) c = payload[++i];
        exact = false;
      }
      let value: number;
      if (exact) {
        value = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
        if (negative) value = -value;
      } else {
        value = Number(payload.toString('latin1', start, i));
      }
      values[field] = value;
    }
    while (i < n && isSpace(payload[i]!)) i++;
    if (payload[i] === 0x2c /* , */) {
      i++;
      continue;
    }
    if (payload[i] === 0x7d) {
      i++;
      break;
    }
    return undefined;
  }
  while (i < n && isSpace(payload[i]!)) i++;
  if (i !== n) return undefined;

  // The checks of core/telemetry.ts `position`, all passing, or the full path explains which one fails.
  const required = (1 << Field.ts) | (1 << Field.lat) | (1 << Field.lon);
  if ((seen & required) !== required) return undefined;
  const rawTs = values[Field.ts]!;
  if (!Number.isFinite(rawTs)) return undefined;
  const ts = Math.round(rawTs);
  if (ts > now + MAX_FUTURE_MS || ts < MIN_DEVICE_TIME_MS) return undefined;
  const lat = values[Field.lat]!;
  const lon = values[Field.lon]!;
  if (!inRange(lat, -90, 90) || !inRange(lon, -180, 180)) return undefined;
  const report: PositionReport = { ts, lat, lon };
  if (seen & (1 << Field.seq)) {
    const seq = values[Field.seq]!;
    if (!inRange(seq, 0, 0xffff_ffff) || !Number.isInteger(seq)) return undefined;
    report.seq = seq;
  }
  if (seen & (1 << Field.speedKmh)) {
    if (!inRange(values[Field.speedKmh]!, 0, 400)) return undefined;
    report.speedKmh = values[Field.speedKmh]!;
  }
  if (seen & (1 << Field.heading)) {
    if (!inRange(values[Field.heading]!, 0, 360)) return undefined;
    report.heading = values[Field.heading]!;
  }
  if (seen & (1 << Field.odometerKm)) {
    if (!inRange(values[Field.odometerKm]!, 0, 100_000_000)) return undefined;
    report.odometerKm = values[Field.odometerKm]!;
  }
  if (seen & (1 << Field.engineHours)) {
    if (!inRange(values[Field.engineHours]!, 0, 10_000_000)) return undefined;
    report.engineHours = values[Field.engineHours]!;
  }
  if (seen & (1 << Field.fuelPct)) {
    if (!inRange(values[Field.fuelPct]!, 0, 100)) return undefined;
    report.fuelPct = values[Field.fuelPct]!;
  }
  if (seen & (1 << Field.ignition)) report.ignition = ignition;
  return report;
}

function inRange(value: number, min: number, max: number): boolean {
  return Number.isFinite(value) && value >= min && value <= max;
}
