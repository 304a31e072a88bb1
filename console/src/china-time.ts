// Dates and times the user types, read as China time (Asia/Shanghai, UTC+8 all year: no daylight saving since
// 1991) whatever the browser's zone and locale: a date is `yyyy-mm-dd` in both languages, a time of day `HH:MM`
// on a 24-hour clock. The browser's own date inputs follow its locale's format and its zone; these do not.
const CHINA_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** The China-time calendar date of an instant, `yyyy-mm-dd`. */
export function chinaDate(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The China-time time of day of an instant, `HH:MM`. */
export function chinaTimeOfDay(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(11, 16);
}

/** 00:00 China time of a `yyyy-mm-dd` date (epoch ms); undefined unless it is a real calendar date in that form. */
export function chinaDayStart(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  // Date.UTC rolls 2026-02-30 over to March: a date that does not come back unchanged does not exist.
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return utc - CHINA_OFFSET_MS;
}

/** A China-time date and `HH:MM` as an instant (epoch ms); undefined when either is malformed. */
export function chinaInstant(date: string, time: string): number | undefined {
  const day = chinaDayStart(date);
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time.trim());
  if (day === undefined || !m) return undefined;
  return day + Number(m[1]) * 3600_000 + Number(m[2]) * 60_000;
}

/** The China-time date `days` after today's (`days` may be negative). */
export function chinaDateFromToday(days: number, now = Date.now()): string {
  return chinaDate(chinaDayStart(chinaDate(now))! + days * DAY_MS);
}

/** Times of day every `stepMin` minutes, `00:00` … (the options of a time select). */
export function timesOfDay(stepMin = 30): string[] {
  const out: string[] = [];
  for (let m = 0; m < 1440; m += stepMin) out.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
  return out;
}
