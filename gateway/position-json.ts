// The position object of the device contract (docs/protocol.md) as JSON, written by hand: this runs for every
// location frame. `positionJson` builds the text from a decoded report (batches, alarms, tests);
// `writePositionJson` writes the same bytes straight from the integers of the frame into the MQTT buffer
// (no number-to-string conversion, no string to encode): a value v × 10⁻ⁿ is its decimal digits with the point
// placed, which is exactly how JavaScript prints the double v / 10ⁿ when v has at most 15 significant digits.
import { STATUS_BIT, type LocationReport, type RawLocation } from '../core/jt808-messages.ts';

/**
 * Every value is a finite number or a boolean (the decoder produced them), whose JSON text is its string conversion;
 * the field order is the contract's examples'. undefined without a fix: nothing to place on a map.
 */
export function positionJson(r: LocationReport, seq?: number): string | undefined {
  if (((r.statusBits >>> STATUS_BIT.positioned) & 1) === 0) return undefined;
  let json = '{"ts":' + r.ts;
  if (seq !== undefined) json += ',"seq":' + seq;
  json += ',"lat":' + r.lat + ',"lon":' + r.lon;
  if (r.speedKmh <= 400) json += ',"speedKmh":' + r.speedKmh;
  json += ',"heading":' + r.heading;
  if (r.mileageKm !== undefined && r.mileageKm <= 100_000_000) json += ',"odometerKm":' + r.mileageKm;
  json += ',"ignition":' + ((r.statusBits & 1) === 1) + ',"altitudeM":' + r.altitudeM;
  if (r.fuelL !== undefined) json += ',"fuelL":' + r.fuelL;
  if (r.recorderSpeedKmh !== undefined) json += ',"recorderSpeedKmh":' + r.recorderSpeedKmh;
  return json + ',"alarmBits":' + r.alarmBits + ',"statusBits":' + r.statusBits + '}';
}

/** Upper bound of `writePositionJson`'s bytes (every field present, every number at its longest). */
export const MAX_POSITION_JSON_BYTES = 320;

const ascii = (text: string) => Buffer.from(text, 'latin1');
const TS = ascii('{"ts":');
const SEQ = ascii(',"seq":');
const LAT = ascii(',"lat":');
const LON = ascii(',"lon":');
const SPEED = ascii(',"speedKmh":');
const HEADING = ascii(',"heading":');
const ODOMETER = ascii(',"odometerKm":');
const IGNITION_ON = ascii(',"ignition":true,"altitudeM":');
const IGNITION_OFF = ascii(',"ignition":false,"altitudeM":');
const FUEL = ascii(',"fuelL":');
const RECORDER = ascii(',"recorderSpeedKmh":');
const ALARM = ascii(',"alarmBits":');
const STATUS = ascii(',"statusBits":');

function put(buf: Buffer, at: number, text: Buffer): number {
  buf.set(text, at);
  return at + text.length;
}

/** A non-negative integer (below 2⁵⁰) in decimal. */
function writeUint(buf: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  const end = at + digits;
  let i = end;
  while (n >= 10) {
    const q = Math.floor(n / 10);
    buf[--i] = 48 + (n - q * 10);
    n = q;
  }
  buf[--i] = 48 + n;
  return end;
}

/** The integer `v` × 10^-`decimals` (1 or 6) as JavaScript prints that number: no trailing zeros, no point if whole. */
function writeScaled(buf: Buffer, at: number, v: number, decimals: 1 | 6): number {
  if (v < 0) {
    buf[at++] = 0x2d; // '-'
    v = -v;
  }
  const scale = decimals === 6 ? 1_000_000 : 10;
  const whole = Math.floor(v / scale);
  let fraction = v - whole * scale;
  at = writeUint(buf, at, whole);
  if (fraction === 0) return at;
  buf[at++] = 0x2e; // '.'
  let digits: number = decimals;
  while (fraction % 10 === 0) {
    fraction /= 10;
    digits--;
  }
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    const q = Math.floor(fraction / 10);
    buf[i] = 48 + (fraction - q * 10);
    fraction = q;
  }
  return end;
}

/**
 * `positionJson(locationReportOf(raw), seq)` written into `buf` from `at` (seq < 0: without); returns the end, or -1
 * without a fix (nothing written). `buf` needs MAX_POSITION_JSON_BYTES from `at`.
 */
export function writePositionJson(buf: Buffer, at: number, raw: RawLocation, seq: number): number {
  const status = raw.statusBits;
  if (((status >>> STATUS_BIT.positioned) & 1) === 0) return -1;
  at = writeUint(buf, put(buf, at, TS), raw.ts);
  if (seq >= 0) at = writeUint(buf, put(buf, at, SEQ), seq);
  at = writeScaled(buf, put(buf, at, LAT), (status >>> STATUS_BIT.south) & 1 ? -raw.latRaw : raw.latRaw, 6);
  at = writeScaled(buf, put(buf, at, LON), (status >>> STATUS_BIT.west) & 1 ? -raw.lonRaw : raw.lonRaw, 6);
  if (raw.speedRaw <= 4000) at = writeScaled(buf, put(buf, at, SPEED), raw.speedRaw, 1);
  at = writeUint(buf, put(buf, at, HEADING), raw.heading);
  if (raw.mileageRaw >= 0 && raw.mileageRaw <= 1_000_000_000) at = writeScaled(buf, put(buf, at, ODOMETER), raw.mileageRaw, 1);
  at = writeUint(buf, put(buf, at, (status & 1) === 1 ? IGNITION_ON : IGNITION_OFF), raw.altitudeM);
  if (raw.fuelRaw >= 0) at = writeScaled(buf, put(buf, at, FUEL), raw.fuelRaw, 1);
  if (raw.recorderSpeedRaw >= 0) at = writeScaled(buf, put(buf, at, RECORDER), raw.recorderSpeedRaw, 1);
  at = writeUint(buf, put(buf, at, ALARM), raw.alarmBits);
  at = writeUint(buf, put(buf, at, STATUS), status);
  buf[at] = 0x7d; // '}'
  return at + 1;
}
