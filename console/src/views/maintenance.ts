// The fleet's maintenance (docs/maintenance.md) in three tabs, each within the request budget: what is due
// (`GET /v1/maintenance`, filter by status), the reminders (snooze until a date or dismiss, with a reason)
// and the service appointments (confirm / propose / reschedule / cancel as the caller's role allows).
import { throttle, type View, type ViewContext } from '../context.ts';
import { formValues, h, render, type Child } from '../dom.ts';
import { time } from '../fmt.ts';
import { locale, t, tCode } from '../i18n.ts';
import type { MessageKey } from '../i18n/en.ts';
import { actionRunner, type Action, empty, errorBox, loading, truckLink, viewHead } from './common.ts';
import { dueBadge, dueTable, itemNames, type DueStatus, type MaintenancePlan, type VehicleDue } from './maintenance-due.ts';

const TABS = ['due', 'reminders', 'appointments'] as const;
type Tab = (typeof TABS)[number];
const DUE_STATUSES: readonly DueStatus[] = ['overdue', 'due_soon', 'ok'];

interface Reminder {
  id: string;
  vin: string;
  customerId: string;
  itemId: string;
  level: string;
  raisedAt: number;
  due: { predictedMs?: number; remainingKm?: number };
  text: { zh: string; en: string };
  state: 'open' | 'snoozed' | 'dismissed';
  snoozedUntil?: number;
  reason?: string;
  serviceDay?: { stationId: string; date: string; offer: { zh: string; en: string } };
}

interface Appointment {
  id: string;
  vin: string;
  customerId: string;
  stationId: string;
  items: string[];
  startMs: number;
  endMs: number;
  status: 'requested' | 'proposed' | 'confirmed' | 'completed' | 'cancelled' | 'no_show';
  proposedStartMs?: number;
  history: Array<{ at: number; action: string; note?: string }>;
}

/** The next day at 09:00 China time, as the value of a datetime-local field (the form's default). */
function tomorrowMorning(): string {
  const d = new Date(Date.now() + 86_400_000 + 8 * 3600_000);
  return `${d.toISOString().slice(0, 10)}T09:00`;
}

/** A datetime-local value read as China time → ISO. */
function chinaTime(local: string): string {
  return new Date(`${local}:00+08:00`).toISOString();
}

export const maintenanceView: View = (el, ctx, params) => {
  const { role } = ctx.session.claims;
  const tabs: readonly Tab[] = role === 'station' ? ['appointments'] : TABS;
  const tab: Tab = tabs.find((x) => x === params['tab']) ?? tabs[0]!;
  const status = DUE_STATUSES.find((s) => s === params['status']);
  const list = h('div', { 'data-testid': `maintenance-${tab}` }, loading());
  const result = h('div', { role: 'status' });
  const filters: Child = tab === 'due'
    ? h('label', { class: 'row' }, t('col.status'), ' ', h('select', { 'data-testid': 'due-filter', onchange: (e: Event) => {
        const v = (e.currentTarget as HTMLSelectElement).value;
        ctx.navigate(`#/maintenance${v ? `?status=${v}` : ''}`);
      } }, h('option', { value: '' }, t('maint.allStatuses')), DUE_STATUSES.map((s) => h('option', { value: s, selected: s === status }, tCode('due', s)))))
    : null;
  render(el, h('section', { class: 'panel' },
    viewHead(t('maint.title')),
    tabs.length > 1 ? h('nav', { class: 'tabs', 'aria-label': t('maint.title') }, tabs.map((x) =>
      h('a', { href: x === 'due' ? '#/maintenance' : `#/maintenance?tab=${x}`, class: x === tab ? 'active' : '', 'aria-current': x === tab ? 'page' : null }, t(`maint.tab.${x}` as MessageKey)))) : null,
    filters, result, list));

  const act = actionRunner(ctx, result, () => void load());

  const load = async () => {
    try {
      if (tab === 'due') await loadDue(ctx, list, status);
      else if (tab === 'reminders') await loadReminders(ctx, list, act);
      else await loadAppointments(ctx, list, act);
    } catch (err) {
      render(list, errorBox(err, () => void load()));
    }
  };
  void load();
  const reload = throttle(() => void load(), 2000);
  const unsubscribe = ctx.live.subscribe((e) => {
    if (e.type.startsWith('maintenance.') || e.type.startsWith('appointment.')) reload();
  });
  return () => {
    unsubscribe();
    reload.cancel();
  };
};

async function plates(ctx: ViewContext): Promise<Map<string, string | undefined>> {
  const fleet = await ctx.directory.fleet().catch(() => undefined);
  return new Map((fleet?.items ?? []).map((x) => [x.vin, x.plate]));
}

async function loadDue(ctx: ViewContext, list: HTMLElement, status: DueStatus | undefined): Promise<void> {
  const [answer, plans, plateOf, customers] = await Promise.all([
    ctx.api.get<{ items: VehicleDue[]; total: number }>('/v1/maintenance', { status, limit: 500 }),
    ctx.api.get<MaintenancePlan[]>('/v1/maintenance-plans').catch(() => [] as MaintenancePlan[]),
    plates(ctx),
    ctx.directory.customers().catch(() => new Map()),
  ]);
  const name = itemNames(plans);
  if (!answer.items.length) return render(list, empty(t('maint.noneDue')));
  const order: Record<DueStatus, number> = { overdue: 0, due_soon: 1, ok: 2 };
  const trucks = [...answer.items].sort((a, b) => order[a.status] - order[b.status]);
  render(list,
    h('p', { class: 'muted' }, t('maint.count', { n: trucks.length, total: answer.total })),
    trucks.map((d) => {
      const shown = status ? { ...d, items: d.items.filter((i) => i.status === status) } : { ...d, items: d.items.filter((i) => i.status !== 'ok') };
      return h('div', { class: 'card', 'data-vin': d.vin, 'data-due': d.status },
        h('div', { class: 'card-title' }, truckLink(d.vin, plateOf.get(d.vin) ?? d.vin), ' ', dueBadge(d.status), h('span', { class: 'muted' }, ` · ${customers.get(d.customerId)?.name ?? ''}`)),
        shown.items.length ? dueTable(shown, name) : h('p', { class: 'muted' }, t('maint.allOk')));
    }));
}

async function loadReminders(ctx: ViewContext, list: HTMLElement, act: Action): Promise<void> {
  const [reminders, plateOf, stations] = await Promise.all([
    ctx.api.get<Reminder[]>('/v1/maintenance/reminders', { limit: 200 }),
    plates(ctx),
    ctx.directory.stations().catch(() => new Map()),
  ]);
  if (!reminders.length) return render(list, empty(t('maint.noReminders')));
  const mayAct = ctx.session.claims.role !== 'station';
  render(list, h('ul', { class: 'cards' }, reminders.map((r) => {
    const id = encodeURIComponent(r.id);
    return h('li', { class: `card${r.level === 'overdue' && r.state === 'open' ? ' highlight' : ''}`, 'data-reminder-id': r.id, 'data-state': r.state },
      h('div', { class: 'card-title' }, truckLink(r.vin, plateOf.get(r.vin) ?? r.vin), ' ', h('span', { class: `badge due-${r.level}` }, tCode('due', r.level)), ' ',
        h('span', { class: 'badge' }, tCode('reminderState', r.state))),
      h('p', {}, locale() === 'zh-CN' ? r.text.zh : r.text.en),
      h('p', { class: 'muted' }, t('maint.raisedAt', { at: time(r.raisedAt) }),
        r.state === 'snoozed' && r.snoozedUntil ? ` · ${t('maint.snoozedUntil', { at: time(r.snoozedUntil) })}` : '',
        r.reason ? ` · ${r.reason}` : ''),
      r.serviceDay ? h('p', { class: 'note' }, t('maint.serviceDay', { station: stations.get(r.serviceDay.stationId)?.name ?? '', date: r.serviceDay.date }), ' ', locale() === 'zh-CN' ? r.serviceDay.offer.zh : r.serviceDay.offer.en) : null,
      mayAct && r.state !== 'dismissed' ? h('form', { class: 'form', 'data-testid': 'reminder-form', onsubmit: (e: Event) => {
        e.preventDefault();
        const f = e.currentTarget as HTMLFormElement;
        const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
        const v = formValues(f);
        if (submitter?.value === 'dismiss') void act(`/v1/maintenance/reminders/${id}/dismiss`, { reason: v['reason'] }, t('maint.dismissed'), submitter);
        else void act(`/v1/maintenance/reminders/${id}/snooze`, { until: chinaTime(v['until'] ?? tomorrowMorning()), reason: v['reason'] }, t('maint.snoozed'), submitter);
      } },
        h('label', {}, t('maint.reason'), h('input', { name: 'reason', required: true, maxlength: 500 })),
        h('label', {}, t('maint.snoozeUntil'), h('input', { name: 'until', type: 'datetime-local', value: tomorrowMorning() })),
        h('div', { class: 'inline-buttons' },
          h('button', { class: 'button', type: 'submit', value: 'snooze' }, t('maint.snooze')),
          h('button', { class: 'button danger', type: 'submit', value: 'dismiss' }, t('maint.dismiss')))) : null);
  })));
}

async function loadAppointments(ctx: ViewContext, list: HTMLElement, act: Action): Promise<void> {
  const { role } = ctx.session.claims;
  const [appointments, plateOf, stations, plans] = await Promise.all([
    ctx.api.get<Appointment[] | { items: Appointment[] }>('/v1/appointments', { limit: 200 }),
    role === 'station' ? Promise.resolve(new Map<string, string | undefined>()) : plates(ctx),
    ctx.directory.stations().catch(() => new Map()),
    ctx.api.get<MaintenancePlan[]>('/v1/maintenance-plans').catch(() => [] as MaintenancePlan[]),
  ]);
  const items = Array.isArray(appointments) ? appointments : appointments.items;
  if (!items.length) return render(list, empty(t('maint.noAppointments')));
  const name = itemNames(plans);
  const stationSide = role === 'station' || role === 'admin' || role === 'agent';
  const booker = role !== 'station';
  render(list, h('table', { class: 'table', 'data-testid': 'appointments' },
    h('thead', {}, h('tr', {}, [t('col.truck'), t('col.station'), t('maint.slot'), t('maint.items'), t('col.status'), ''].map((x) => h('th', {}, x)))),
    h('tbody', {}, items.map((a) => {
      const path = `/v1/appointments/${encodeURIComponent(a.id)}`;
      const holds = a.status === 'requested' || a.status === 'proposed' || a.status === 'confirmed';
      const when = h('input', { name: 'start', type: 'datetime-local', value: tomorrowMorning(), 'aria-label': t('maint.newTime') });
      const reason = h('input', { name: 'reason', maxlength: 500, 'aria-label': t('maint.cancelReason'), placeholder: t('maint.cancelReason') });
      const button = (label: MessageKey, run: (b: HTMLButtonElement) => void) => h('button', { class: 'button small', type: 'button', onclick: (e: Event) => run(e.currentTarget as HTMLButtonElement) }, t(label));
      const actions: Child[] = [];
      if (stationSide && a.status === 'requested') actions.push(button('maint.confirm', (b) => void act(`${path}/confirm`, {}, t('maint.confirmed'), b)));
      if (booker && a.status === 'proposed') actions.push(button('maint.acceptProposal', (b) => void act(`${path}/accept`, {}, t('maint.confirmed'), b)));
      if (holds) {
        actions.push(when);
        if (stationSide && a.status === 'requested') actions.push(button('maint.propose', (b) => void act(`${path}/propose`, { start: chinaTime(when.value) }, t('maint.proposed'), b)));
        if (booker) actions.push(button('maint.reschedule', (b) => void act(`${path}/reschedule`, { start: chinaTime(when.value) }, t('maint.rescheduled'), b)));
        actions.push(reason, button('maint.cancel', (b) => {
          if (!reason.value.trim()) {
            reason.required = true;
            reason.reportValidity();
            return;
          }
          void act(`${path}/cancel`, { reason: reason.value.trim() }, t('maint.cancelled'), b);
        }));
      }
      return h('tr', { 'data-appointment-id': a.id, 'data-status': a.status },
        h('td', {}, role === 'station' ? a.vin : truckLink(a.vin, plateOf.get(a.vin) ?? a.vin)),
        h('td', {}, stations.get(a.stationId)?.name ?? t('case.unknownStation')),
        h('td', {}, time(a.startMs), a.proposedStartMs !== undefined ? h('div', { class: 'muted' }, t('maint.proposedAt', { at: time(a.proposedStartMs) })) : null),
        h('td', {}, a.items.map(name).join('、')),
        h('td', {}, h('span', { class: 'badge' }, tCode('appointment', a.status))),
        h('td', { class: 'row' }, actions));
    }))));
}
