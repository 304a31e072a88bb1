// The console's language and locale: one message catalog per language (i18n/en.ts, i18n/zh-CN.ts), the
// language from the browser unless the user chose one (kept in localStorage), and every time shown in
// Asia/Shanghai with a 24-hour clock through Intl. A key missing from the catalog shows as ⟦key⟧, which
// the browser tests look for on every view.
import { en, type MessageKey } from './i18n/en.ts';
import { zhCN } from './i18n/zh-CN.ts';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
export const TIME_ZONE = 'Asia/Shanghai';
const KEY = 'fleet-console.locale';
const CATALOGS: Record<Locale, Readonly<Record<MessageKey, string>>> = { 'zh-CN': zhCN, en };

/** The user's choice if any, else the first browser language we have (Chinese for any zh-*), else Chinese. */
export function detectLocale(): Locale {
  const saved = safeGet(KEY);
  if (saved === 'zh-CN' || saved === 'en') return saved;
  for (const lang of navigator.languages?.length ? navigator.languages : [navigator.language]) {
    if (/^zh\b/i.test(lang)) return 'zh-CN';
    if (/^en\b/i.test(lang)) return 'en';
  }
  return 'zh-CN';
}

function safeGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

let current: Locale = detectLocale();
document.documentElement.lang = current;

export function locale(): Locale {
  return current;
}

/** Switches the language and remembers it; the shell re-renders. */
export function setLocale(next: Locale): void {
  current = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

export type Vars = Record<string, string | number>;

export function t(key: MessageKey, vars?: Vars): string {
  const text = CATALOGS[current][key] as string | undefined;
  if (text === undefined) return `⟦${key}⟧`;
  return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
}

/** A message for a code the API sends (status, event, reason): `prefix.code`, ⟦…⟧ when the catalog lacks it. */
export function tCode(prefix: string, code: string, vars?: Vars): string {
  return t(`${prefix}.${code}` as MessageKey, vars);
}

export function hasKey(key: string): key is MessageKey {
  return key in CATALOGS[current];
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function dateFormat(kind: 'dateTime' | 'time' | 'date' | 'slot'): Intl.DateTimeFormat {
  const id = `${current}:${kind}`;
  let f = formatters.get(id);
  if (!f) {
    const base: Intl.DateTimeFormatOptions = { timeZone: TIME_ZONE, hourCycle: 'h23' };
    const opts: Intl.DateTimeFormatOptions =
      kind === 'time' ? { ...base, hour: '2-digit', minute: '2-digit', second: '2-digit' }
        : kind === 'date' ? { ...base, year: 'numeric', month: '2-digit', day: '2-digit' }
          : kind === 'slot' ? { ...base, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }
          : { ...base, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' };
    f = new Intl.DateTimeFormat(current, opts);
    formatters.set(id, f);
  }
  return f;
}

function toDate(v: string | number | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Month, day and time of day in Asia/Shanghai, 24 h. */
export function formatDateTime(v: string | number | undefined): string {
  const d = toDate(v);
  return d ? dateFormat('dateTime').format(d) : '–';
}

/** Date and time to the minute in Asia/Shanghai, 24 h: a booked slot. */
export function formatSlot(v: string | number | undefined): string {
  const d = toDate(v);
  return d ? dateFormat('slot').format(d) : '–';
}

export function formatDate(v: string | number | undefined): string {
  const d = toDate(v);
  return d ? dateFormat('date').format(d) : '–';
}

export function formatNumber(v: number, digits = 0): string {
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
}
