// Display formats (through the catalog and Intl, see i18n.ts) and the one-second clock that keeps every
// countdown on screen current.
import { formatDateTime, formatNumber, formatSlot, t } from './i18n.ts';

export function clock(ms: number): string {
  const sign = ms < 0 ? '−' : '';
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(sec).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${mm}:${ss}` : `${sign}${mm}:${ss}`;
}

/** A moment in Asia/Shanghai, 24 h, in the console's language. */
export function time(iso: string | number | undefined): string {
  return formatDateTime(iso);
}

/** A slot's start in Asia/Shanghai to the minute, with the date (appointments). */
export function slot(v: string | number | undefined): string {
  return formatSlot(v);
}

export function minutes(min: number | undefined): string {
  if (min === undefined || !Number.isFinite(min)) return '–';
  return min < 60 ? t('unit.min', { n: Math.round(min) }) : t('unit.hmin', { h: Math.floor(min / 60), m: String(Math.round(min % 60)).padStart(2, '0') });
}

export function km(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : t('unit.km', { n: formatNumber(v, v < 10 ? 1 : 0) });
}

export function kmh(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : t('unit.kmh', { n: Math.round(v) });
}

export function pct(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${formatNumber(v * 100, 1)} %`;
}

/**
 * Every element under `root` with `data-deadline` (ISO time) shows the time left, and gets the class
 * `due-soon` (< 5 min) or `overdue`.
 */
export function updateCountdowns(root: ParentNode): void {
  const now = Date.now();
  root.querySelectorAll<HTMLElement>('[data-deadline]').forEach((el) => {
    const left = Date.parse(el.dataset['deadline'] ?? '') - now;
    if (Number.isNaN(left)) return;
    const text = clock(left);
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle('overdue', left < 0);
    el.classList.toggle('due-soon', left >= 0 && left < 5 * 60_000);
  });
}

/** Keeps the countdowns under `root` current: at once whenever its content changes, then every second. */
export function startCountdowns(root: HTMLElement): () => void {
  const tick = () => updateCountdowns(root);
  tick();
  const timer = setInterval(tick, 1000);
  const observer = new MutationObserver((records) => {
    // Only new content matters, not the countdowns' own text updates.
    if (records.some((r) => r.addedNodes.length && !(r.target instanceof HTMLElement && r.target.dataset['deadline']))) tick();
  });
  observer.observe(root, { childList: true, subtree: true });
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}
