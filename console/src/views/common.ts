// Small pieces several views share: status badges, error boxes, the truck legend.
import { ApiError } from '../api.ts';
import { h } from '../dom.ts';
import { humanize } from '../fmt.ts';
import { TRUCK_STATE_LABEL, type CaseStatus, type RescueCase, type TruckState } from '../model.ts';

export function statusBadge(status: CaseStatus): HTMLElement {
  return h('span', { class: `badge status-${status}`, 'data-status': status }, humanize(status));
}

export function escalatedBadge(c: Pick<RescueCase, 'escalated'>): HTMLElement | null {
  return c.escalated ? h('span', { class: 'badge escalated' }, 'escalated') : null;
}

export function errorBox(err: unknown): HTMLElement {
  if (err instanceof ApiError) {
    const text = err.status === 404 ? 'Not found (or not visible to you).' : `${err.message} (${err.code})`;
    return h('div', { class: 'error', role: 'alert', 'data-error': err.code }, text);
  }
  return h('div', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err));
}

export const TRUCK_COLORS: Record<TruckState, string> = {
  broken_down: '#d64545',
  amber_fault: '#f0b429',
  offline: '#9aa5b1',
  moving: '#27ab83',
  stopped: '#2680c2',
  unknown: '#cbd2d9',
};

export function truckLegend(counts?: Partial<Record<TruckState, number>>): HTMLElement {
  return h(
    'ul',
    { class: 'legend' },
    (Object.keys(TRUCK_COLORS) as TruckState[]).map((s) =>
      h('li', {}, h('i', { style: `background:${TRUCK_COLORS[s]}` }), TRUCK_STATE_LABEL[s], counts ? ` (${counts[s] ?? 0})` : ''),
    ),
  );
}

export function caseLink(c: Pick<RescueCase, 'id'>): HTMLElement {
  return h('a', { href: `#/cases/${encodeURIComponent(c.id)}`, class: 'case-link' }, c.id);
}
