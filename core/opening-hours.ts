// Station opening hours are stated in China Standard Time (UTC+8, no daylight saving): `24h` or
// `HH:MM-HH:MM`, where an end before the start crosses midnight (e.g. `20:00-06:00`).

const CST_OFFSET_MIN = 8 * 60;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** Minute of the day (0–1439) in China Standard Time. */
export function chinaMinuteOfDay(at: Date): number {
  return (((Math.floor(at.getTime() / 60_000) + CST_OFFSET_MIN) % 1440) + 1440) % 1440;
}

export function isOpenAt(hours: string, at: Date): boolean {
  if (hours === '24h') return true;
  const [from, to] = hours.split('-') as [string, string];
  const start = minutesOf(from);
  const end = minutesOf(to);
  const now = chinaMinuteOfDay(at);
  if (start === end) return true;
  return start < end ? now >= start && now < end : now >= start || now < end;
}
