// Small pieces several views share: status badges, the error banner with retry, the truck legend, the
// view heading (one <h1> per view) and loading / empty states.
import { ApiError } from '../api.ts';
import { h, render, type Child } from '../dom.ts';
import { t, tCode } from '../i18n.ts';
import type { MessageKey } from '../i18n/en.ts';
import type { CaseStatus, RescueCase, TruckState } from '../model.ts';
import type { ViewContext } from '../context.ts';

export function statusBadge(status: CaseStatus | string): HTMLElement {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, tCode('status', status));
}

export function escalatedBadge(c: Pick<RescueCase, 'escalated'>): HTMLElement | null {
  return c.escalated ? h('span', { class: 'badge escalated' }, t('case.escalated')) : null;
}

/** The user's words for an API error: by its stable code, never the raw validation text. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 404) return t('error.not_found');
    if (err.status === 429) return t('error.rate_limited');
    if (err.code === 'validation_failed') {
      const fields = fieldsOf(err);
      return fields.length ? t('error.validation_fields', { fields: fields.map(fieldLabel).join('、') }) : t('error.validation_failed');
    }
    const key = `error.${err.code}` as MessageKey;
    const text = t(key);
    return text.startsWith('⟦') ? t('error.http', { status: err.status }) : text;
  }
  return t('error.unexpected');
}

/** The fields a validation error names (`body.plate` → `plate`). */
export function fieldsOf(err: ApiError): string[] {
  const details: unknown[] = Array.isArray(err.details) ? err.details : [];
  const out = new Set<string>();
  for (const d of details) {
    const field = d && typeof d === 'object' ? (d as { field?: unknown }).field : undefined;
    if (typeof field !== 'string') continue;
    const parts = field.split('.').filter((p) => !/^\d+$/.test(p));
    out.add(parts.length > 1 ? parts[parts.length - 1]! : field);
  }
  return [...out];
}

export function fieldLabel(field: string): string {
  const text = t(`field.${field}` as MessageKey);
  return text.startsWith('⟦') ? field : text;
}

let fieldErrorSeq = 0;

/**
 * Shows `text` right next to a form control (after its label) and marks the control invalid; the message is
 * announced (role=alert) and tied to the control (aria-describedby). `controls` beyond the first are marked too.
 */
export function showFieldError(control: HTMLElement, text: string, ...controls: HTMLElement[]): HTMLElement {
  const anchor = control.closest('label') ?? control;
  const id = `field-error-${++fieldErrorSeq}`;
  const message = h('p', { class: 'field-error', role: 'alert', id, 'data-field-error': control.getAttribute('name') ?? control.dataset['field'] ?? '' }, text);
  anchor.after(message);
  for (const c of [control, ...controls]) {
    c.setAttribute('aria-invalid', 'true');
    c.setAttribute('aria-describedby', id);
  }
  return message;
}

/** Removes every message of showFieldError under `root` and the controls' invalid marks. */
export function clearFieldErrors(root: ParentNode): void {
  root.querySelectorAll('.field-error').forEach((x) => x.remove());
  root.querySelectorAll('[aria-invalid]').forEach((x) => {
    x.removeAttribute('aria-invalid');
    x.removeAttribute('aria-describedby');
  });
}

/**
 * Re-renders a list of rows (each marked with the attribute `rowAttr`) without losing what the user was doing in
 * it: typed values, open folds and the focused field come back on the row with the same id. A live event may
 * reload the list while someone is filling in a row's form. Without `rowAttr` it just draws.
 */
export function keepingInput(root: HTMLElement, rowAttr: string | undefined, draw: () => void): void {
  if (!rowAttr) return draw();
  const keyOf = (el: Element): string | undefined => {
    const row = el.closest(`[${rowAttr}]`)?.getAttribute(rowAttr);
    const name = el.getAttribute('name') ?? el.getAttribute('data-testid');
    return row && name ? `${row}\u0000${name}` : undefined;
  };
  const initial = (x: HTMLInputElement | HTMLSelectElement) =>
    x instanceof HTMLSelectElement ? ([...x.options].find((o) => o.defaultSelected) ?? x.options[0])?.value : x.defaultValue;
  const values = new Map<string, string>();
  root.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input[name], select[name]').forEach((x) => {
    const key = keyOf(x);
    // Only what the user changed: a value the server set comes fresh from the new rows.
    if (key && x.value !== initial(x)) values.set(key, x.value);
  });
  const open = new Set([...root.querySelectorAll('details[open]')].map(keyOf).filter((k): k is string => k !== undefined));
  const focused = document.activeElement && root.contains(document.activeElement) ? keyOf(document.activeElement) : undefined;
  draw();
  root.querySelectorAll<HTMLDetailsElement>('details[data-testid]').forEach((d) => {
    const key = keyOf(d);
    if (key && open.has(key)) d.open = true;
  });
  root.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input[name], select[name]').forEach((x) => {
    const key = keyOf(x);
    if (!key) return;
    const v = values.get(key);
    if (v !== undefined) x.value = v;
    if (key === focused) x.focus();
  });
}

/** An error banner; with `retry`, a button that runs it again. Never an empty state in disguise. */
export function errorBox(err: unknown, retry?: () => void): HTMLElement {
  const code = err instanceof ApiError ? err.code : 'unexpected';
  return h('div', { class: 'error', role: 'alert', 'data-error': code },
    h('span', {}, errorText(err)),
    retry ? h('button', { class: 'button small', type: 'button', onclick: retry, 'data-testid': 'retry' }, t('action.retry')) : null);
}

export function loading(): HTMLElement {
  return h('p', { class: 'muted', role: 'status', 'data-loading': 'true' }, t('common.loading'));
}

export function empty(text: string): HTMLElement {
  return h('p', { class: 'empty' }, text);
}

/** The view's one <h1> plus whatever sits beside it. */
export function viewHead(title: string, ...rest: Child[]): HTMLElement {
  return h('header', { class: 'panel-head' }, h('h1', {}, title), ...rest);
}

export const TRUCK_COLORS: Record<TruckState, string> = {
  broken_down: '#c62828',
  amber_fault: '#e0a100',
  offline: '#7b8794',
  moving: '#1b8a5a',
  stopped: '#1f6fb2',
  unknown: '#cbd2d9',
};

export function truckStateLabel(s: TruckState): string {
  return tCode('truck', s);
}

export function truckLegend(counts?: Partial<Record<TruckState, number>>): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'data-testid': 'legend' },
    (Object.keys(TRUCK_COLORS) as TruckState[]).map((s) =>
      h('li', { 'data-state': s }, h('i', { style: `background:${TRUCK_COLORS[s]}` }), truckStateLabel(s), counts ? ` (${counts[s] ?? 0})` : ''),
    ),
  );
}

export function caseLink(c: Pick<RescueCase, 'id'>, label?: string): HTMLElement {
  return h('a', { href: `#/cases/${encodeURIComponent(c.id)}`, class: 'case-link' }, label ?? c.id);
}

export function truckLink(vin: string, label: string): HTMLElement {
  return h('a', { href: `#/trucks/${encodeURIComponent(vin)}`, class: 'truck-link' }, label);
}

export function phoneLink(phone: string | undefined): Child {
  return phone ? h('a', { href: `tel:${phone.replace(/[^+0-9]/g, '')}`, class: 'phone' }, phone) : '–';
}

/** A modal confirmation (native <dialog>): resolves true on confirm, false on keep / Escape. */
export function confirmDialog(title: string, body: Child, confirmLabel: string, danger = false): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'confirm', 'data-testid': 'confirm', 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, title),
      h('div', {}, body),
      h('div', { class: 'dialog-actions' },
        h('button', { class: 'button', type: 'button', value: 'no', onclick: () => close(false) }, t('action.back')),
        h('button', { class: `button ${danger ? 'danger' : 'primary'}`, type: 'button', 'data-testid': 'confirm-yes', onclick: () => close(true) }, confirmLabel)));
    const close = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.addEventListener('cancel', () => close(false));
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

/** Posts a user's action: disables its button while the request runs, shows the outcome in `result`, reloads the
 * view on success and gives the button back on failure. `onError` may show a refusal beside its field instead of
 * the banner (it returns true when it did). */
export type Action = (path: string, body: unknown, done: string, button: HTMLButtonElement | null, onError?: (err: unknown) => boolean) => Promise<void>;

export function actionRunner(ctx: Pick<ViewContext, 'api'>, result: HTMLElement, reload: () => void): Action {
  return async (path, body, done, button, onError) => {
    if (button) button.disabled = true;
    try {
      await ctx.api.post(path, body);
      render(result, h('div', { class: 'ok' }, done));
      reload();
    } catch (err) {
      if (onError?.(err)) render(result);
      else render(result, errorBox(err));
      if (button) button.disabled = false;
    }
  };
}
