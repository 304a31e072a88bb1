// The Chinese working calendar: Monday–Friday are working days, except the statutory holidays, and some
// weekend days are working days (调休, the "adjusted working days" the State Council moves to make holidays
// longer). Held as data per year that an admin can replace (PUT /v1/calendar/{year}); seeded below from the
// State Council's published schedules. Dates are China dates (Asia/Shanghai, UTC+8, no DST).
import { Type, type Static } from '@sinclair/typebox';
import type { FieldProblem } from './errors.ts';

const IsoDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });

export const WorkingCalendarYearSchema = Type.Object(
  {
    /** Days off that would otherwise be working days (the holidays and the weekdays moved into them). */
    holidays: Type.Array(IsoDate, { maxItems: 366, uniqueItems: true }),
    /** Weekend days that are working days (调休). */
    workdays: Type.Array(IsoDate, { maxItems: 366, uniqueItems: true }),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false, $id: 'WorkingCalendarYear' },
);
export type WorkingCalendarYear = Static<typeof WorkingCalendarYearSchema>;
export type WorkingCalendar = ReadonlyMap<number, WorkingCalendarYear>;

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The China (UTC+8) calendar date of an instant, YYYY-MM-DD. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant a China date ends (24:00 Asia/Shanghai). */
export function endOfChinaDay(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000 - CHINA_OFFSET_MS);
}

function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function nextDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export function isWorkingDay(date: string, calendar: WorkingCalendar): boolean {
  const year = calendar.get(Number(date.slice(0, 4)));
  if (year?.holidays.includes(date)) return false;
  if (year?.workdays.includes(date)) return true;
  const d = weekday(date);
  return d !== 0 && d !== 6;
}

/**
 * When something filed at `from` is due if it must be done within `days` working days: the end (24:00 China time)
 * of the `days`-th working day after the filing date (the filing day itself does not count).
 */
export function workingDaysDue(from: Date, days: number, calendar: WorkingCalendar): Date {
  let date = chinaDate(from);
  let counted = 0;
  for (let guard = 0; counted < days && guard < 3660; guard++) {
    date = nextDate(date);
    if (isWorkingDay(date, calendar)) counted++;
  }
  return endOfChinaDay(date);
}

/** Problems of a year's data: dates outside the year, a date both off and working, a 调休 day that is not a weekend. */
export function calendarProblems(year: number, data: WorkingCalendarYear): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const valid = (d: string) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
  data.holidays.forEach((d, i) => {
    if (!valid(d) || !d.startsWith(`${year}-`)) problems.push({ field: `body.holidays[${i}]`, message: `${d} is not a date of ${year}` });
    if (data.workdays.includes(d)) problems.push({ field: `body.holidays[${i}]`, message: `${d} is also listed as a working day` });
  });
  data.workdays.forEach((d, i) => {
    if (!valid(d) || !d.startsWith(`${year}-`)) problems.push({ field: `body.workdays[${i}]`, message: `${d} is not a date of ${year}` });
    else if (weekday(d) !== 0 && weekday(d) !== 6) problems.push({ field: `body.workdays[${i}]`, message: `${d} is a weekday: only weekend days are adjusted working days` });
  });
  return problems;
}

function span(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = nextDate(d)) out.push(d);
  return out;
}

/** Weekdays within the holiday spans (weekend days in them are off anyway). */
const offDays = (...spans: Array<[string, string]>) => spans.flatMap(([a, b]) => span(a, b)).filter((d) => weekday(d) !== 0 && weekday(d) !== 6);

/**
 * Seed data. 2025: 国办发明电〔2024〕12号; 2026: the notice of 4 Nov 2025. 2027's schedule was not available when
 * this was written: it holds the statutory days only (no 调休) and is marked so; an admin replaces it with
 * PUT /v1/calendar/2027 once the State Council publishes it.
 */
export const SEEDED_CALENDAR: ReadonlyMap<number, WorkingCalendarYear> = new Map([
  [2025, {
    holidays: offDays(['2025-01-01', '2025-01-01'], ['2025-01-28', '2025-02-04'], ['2025-04-04', '2025-04-06'], ['2025-05-01', '2025-05-05'], ['2025-05-31', '2025-06-02'], ['2025-10-01', '2025-10-08']),
    workdays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
    source: 'State Council schedule for 2025 (国办发明电〔2024〕12号)',
  }],
  [2026, {
    holidays: offDays(['2026-01-01', '2026-01-03'], ['2026-02-15', '2026-02-23'], ['2026-04-04', '2026-04-06'], ['2026-05-01', '2026-05-05'], ['2026-06-19', '2026-06-21'], ['2026-09-25', '2026-09-27'], ['2026-10-01', '2026-10-07']),
    workdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
    source: 'State Council schedule for 2026 (notice of 4 November 2025)',
  }],
  [2027, {
    holidays: offDays(['2027-01-01', '2027-01-01'], ['2027-02-05', '2027-02-08'], ['2027-04-05', '2027-04-05'], ['2027-05-01', '2027-05-02'], ['2027-06-09', '2027-06-09'], ['2027-09-15', '2027-09-15'], ['2027-10-01', '2027-10-03']),
    workdays: [],
    source: 'provisional: statutory days only (Spring Festival eve to day 3, 2027-02-05..08); replace with the State Council schedule when published',
  }],
]);
