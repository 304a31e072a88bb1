// What is due on a truck, shared by the truck page and the fleet maintenance list: each item by name (from
// the model's plan), its status, the predicted date and the km / engine hours left.
import { h } from '../dom.ts';
import { km } from '../fmt.ts';
import { formatDate, formatNumber, locale, t, tCode } from '../i18n.ts';

export type DueStatus = 'ok' | 'due_soon' | 'overdue';

export interface DueItem {
  itemId: string;
  cycle: string;
  dueKm?: number;
  dueHours?: number;
  dueDateMs?: number;
  predictedMs?: number;
  basis?: string;
  remainingKm?: number;
  remainingHours?: number;
  status: DueStatus;
}

export interface VehicleDue {
  vin: string;
  customerId: string;
  computedAt: number;
  status: DueStatus;
  items: DueItem[];
}

export interface MaintenancePlan {
  model: string;
  items: Array<{ id: string; name: { zh: string; en: string } }>;
}

/** Item id → its name in the console's language, over every plan (ids are shared across models). */
export function itemNames(plans: readonly MaintenancePlan[]): (id: string) => string {
  const names = new Map<string, { zh: string; en: string }>();
  for (const p of plans) for (const item of p.items) if (!names.has(item.id)) names.set(item.id, item.name);
  return (id) => {
    const n = names.get(id);
    if (n) return locale() === 'zh-CN' ? n.zh : n.en;
    return id === 'warranty' ? t('maint.warrantyItem') : id;
  };
}

const ORDER: Record<DueStatus, number> = { overdue: 0, due_soon: 1, ok: 2 };

export function dueBadge(status: DueStatus): HTMLElement {
  return h('span', { class: `badge due-${status}`, 'data-due': status }, tCode('due', status));
}

function left(item: DueItem): string {
  const parts: string[] = [];
  if (item.remainingKm !== undefined) parts.push(item.remainingKm < 0 ? t('maint.kmOver', { km: km(-item.remainingKm) }) : km(item.remainingKm));
  if (item.remainingHours !== undefined) parts.push(item.remainingHours < 0 ? t('maint.hoursOver', { n: formatNumber(-item.remainingHours) }) : t('maint.hours', { n: formatNumber(item.remainingHours) }));
  return parts.join(' · ') || '–';
}

export function dueTable(due: VehicleDue, name: (id: string) => string): HTMLElement {
  const items = [...due.items].sort((a, b) => ORDER[a.status] - ORDER[b.status] || (a.predictedMs ?? Infinity) - (b.predictedMs ?? Infinity));
  return h('table', { class: 'table compact', 'data-testid': 'due-items' },
    h('thead', {}, h('tr', {}, [t('maint.item'), t('col.status'), t('maint.predicted'), t('maint.left')].map((x) => h('th', {}, x)))),
    h('tbody', {}, items.map((item) => h('tr', { 'data-item': item.itemId, 'data-due': item.status, class: item.status === 'overdue' ? 'overdue' : '' },
      h('td', {}, name(item.itemId)),
      h('td', {}, dueBadge(item.status)),
      h('td', {}, item.predictedMs !== undefined ? formatDate(item.predictedMs) : item.dueDateMs !== undefined ? formatDate(item.dueDateMs) : '–', item.basis ? h('span', { class: 'muted' }, ` · ${tCode('dueBasis', item.basis)}`) : null),
      h('td', {}, left(item))))));
}
