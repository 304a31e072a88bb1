// BCD fields of JT/T 808: the terminal phone number in the header (6 bytes in 2013, 10 in 2019) and device
// times (YYMMDDhhmmss, Beijing time GMT+8, the standard's time zone for every BCD[6] time field).

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

/** The decimal digits of `length` BCD bytes at `offset`; undefined when a nibble is not a digit. */
export function decodeBcd(buf: Uint8Array, offset: number, length: number): string | undefined {
  let digits = '';
  for (let i = offset; i < offset + length; i++) {
    const byte = buf[i]!;
    const high = byte >> 4;
    const low = byte & 0x0f;
    if (high > 9 || low > 9) return undefined;
    digits += String.fromCharCode(48 + high, 48 + low);
  }
  return digits;
}

/** `digits` as `length` BCD bytes, left-padded with zeros. Throws when it does not fit or is not decimal. */
export function encodeBcd(digits: string, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  writeBcd(digits, out, 0, length);
  return out;
}

/** Writes `digits` as `length` BCD bytes at `offset` (no allocation: runs for every answer the gateway sends). */
export function writeBcd(digits: string, target: Uint8Array, offset: number, length: number): void {
  const pad = length * 2 - digits.length;
  if (pad < 0) throw new RangeError(`"${digits}" is not at most ${length * 2} decimal digits`);
  for (let i = 0; i < length * 2; i++) {
    const digit = i < pad ? 0 : digits.charCodeAt(i - pad) - 48;
    if (digit < 0 || digit > 9) throw new RangeError(`"${digits}" is not decimal`);
    if (i % 2 === 0) target[offset + i / 2] = digit << 4;
    else target[offset + (i >> 1)]! |= digit;
  }
}

function twoDigits(buf: Uint8Array, at: number): number {
  const byte = buf[at]!;
  const high = byte >> 4;
  const low = byte & 0x0f;
  return high > 9 || low > 9 ? -1 : high * 10 + low;
}

/**
 * BCD[6] YYMMDDhhmmss in GMT+8 → epoch ms UTC; undefined for a non-decimal nibble or an impossible date
 * (month 13, 31 February, hour 24 …). Years are 2000–2099. Runs for every location: no array, no Date object.
 */
export function bcdTimeToEpochMs(buf: Uint8Array, offset: number): number | undefined {
  const yy = twoDigits(buf, offset);
  const month = twoDigits(buf, offset + 1);
  const day = twoDigits(buf, offset + 2);
  const hour = twoDigits(buf, offset + 3);
  const minute = twoDigits(buf, offset + 4);
  const second = twoDigits(buf, offset + 5);
  if (yy < 0 || day < 1 || hour < 0 || minute < 0 || second < 0) return undefined;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  // 2000–2099: every fourth year is a leap year (2000 included, as a multiple of 400).
  if (day > (month === 2 ? (yy % 4 === 0 ? 29 : 28) : DAYS_IN_MONTH[month - 1]!)) return undefined;
  return Date.UTC(2000 + yy, month - 1, day, hour, minute, second) - BEIJING_OFFSET_MS;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch ms UTC → BCD[6] YYMMDDhhmmss in GMT+8 (milliseconds are dropped, as the field has none). */
export function epochMsToBcdTime(ms: number): Buffer {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  const year = d.getUTCFullYear();
  if (year < 2000 || year > 2099) throw new RangeError(`year ${year} does not fit a JT/T 808 BCD time`);
  const pad = (n: number) => String(n).padStart(2, '0');
  return encodeBcd(
    pad(year - 2000) + pad(d.getUTCMonth() + 1) + pad(d.getUTCDate()) + pad(d.getUTCHours()) + pad(d.getUTCMinutes()) + pad(d.getUTCSeconds()),
    6,
  );
}

/**
 * BCD[5] hhmmss + milliseconds (0x0705's receive time of the first CAN frame, a time of day in GMT+8) →
 * epoch ms UTC on the Beijing calendar day that puts it nearest to `now` (a frame received just before
 * midnight and forwarded just after belongs to the previous day). Undefined when malformed.
 */
export function bcdTimeOfDayToEpochMs(buf: Uint8Array, offset: number, now: number): number | undefined {
  const hour = twoDigits(buf, offset);
  const minute = twoDigits(buf, offset + 1);
  const second = twoDigits(buf, offset + 2);
  const msHigh = twoDigits(buf, offset + 3);
  const msLow = twoDigits(buf, offset + 4);
  if (hour < 0 || minute < 0 || second < 0 || msHigh < 0 || msLow < 0) return undefined;
  const millis = msHigh * 100 + msLow;
  if (hour > 23 || minute > 59 || second > 59 || millis > 999) return undefined;
  const beijingNow = new Date(now + BEIJING_OFFSET_MS);
  const dayStart = Date.UTC(beijingNow.getUTCFullYear(), beijingNow.getUTCMonth(), beijingNow.getUTCDate()) - BEIJING_OFFSET_MS;
  const sinceMidnight = ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  const day = 24 * 60 * 60 * 1000;
  let best = dayStart + sinceMidnight;
  for (const candidate of [best - day, best + day]) if (Math.abs(candidate - now) < Math.abs(best - now)) best = candidate;
  return best;
}

/** Epoch ms UTC → BCD[5] hhmmss + ms in GMT+8 (encoder of 0x0705's receive time). */
export function epochMsToBcdTimeOfDay(ms: number): Buffer {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return encodeBcd(pad(d.getUTCHours()) + pad(d.getUTCMinutes()) + pad(d.getUTCSeconds()) + pad(d.getUTCMilliseconds(), 4), 5);
}
