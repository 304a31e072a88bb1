// Form controls for a China-time date and time of day that read the same in both languages and under any
// browser locale or time zone (the browser's own date inputs do neither): a date typed as yyyy-mm-dd, a time
// of day chosen from a 24-hour list. What they mean as an instant is computed by china-time.ts.
import { chinaDayStart, timesOfDay } from '../china-time.ts';
import { h } from '../dom.ts';
import { t } from '../i18n.ts';

/** A `yyyy-mm-dd` date field (China time); `label` names it for screen readers when it has no <label>. */
export function chinaDateInput(name: string, value: string, label?: string): HTMLInputElement {
  return h('input', {
    name, type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: 10, size: 11, spellcheck: 'false',
    placeholder: t('time.datePlaceholder'), value, 'aria-label': label ?? null, 'data-china-date': 'true',
  });
}

/** A 24-hour time-of-day select in 30-minute steps (China time). */
export function timeSelect(name: string, value: string, label?: string): HTMLSelectElement {
  return h('select', { name, 'aria-label': label ?? null }, timesOfDay(30).map((x) => h('option', { value: x, selected: x === value }, x)));
}

/** The date field's value as 00:00 China time, or the message to show beside it. */
export function readChinaDate(input: HTMLInputElement): { ms: number } | { error: string } {
  const ms = chinaDayStart(input.value);
  return ms === undefined ? { error: t('time.error.date', { value: input.value.trim() || '–' }) } : { ms };
}
