// The fleet's maintenance (docs/maintenance.md) in three tabs, each within the request budget: what is due
// (`GET /v1/maintenance`, filter by status; each truck leads to booking a service), the reminders (book, snooze
// until a China-time date or dismiss, with a reason) and the service appointments (confirm / propose / no-show /
// complete on the station side, accept / reschedule on the booking side, cancel for both, as the role allows).
import { ApiError } from '../api.ts';
import { chinaDate, chinaDateFromToday, chinaInstant, chinaTimeOfDay } from '../china-time.ts';
import { throttle, type View, type ViewContext } from '../context.ts';
import { formValues, h, render, type Child } from '../dom.ts';
import { slot, time } from '../fmt.ts';
import { formatNumber, locale, t, tCode } from '../i18n.ts';
import type { MessageKey } from '../i18n/en.ts';
import type { Part } from '../model.ts';
import { bookingHref, BOOKING_ROLES } from './book-service.ts';
import { partName } from './case-repair.ts';
import { chinaDateInput, readChinaDate, timeSelect } from './china-fields.ts';
import { actionRunner, type Action, clearFieldErrors, confirmDialog, empty, errorBox, fieldsOf, keepingInput, loading, showFieldError, truckLink, viewHead } from './common.ts';
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
  bayHours: number;
  kit: Array<{ partNo: string; qty: number; status: string }>;
  serviceId?: string;
  history: Array<{ at: number; action: string; note?: string }>;
  /** Names the API adds (a station may not read the vehicle registry, so this is how it sees the truck). */
  plate?: string;
  customerName?: string;
  stationName?: string;
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

  // After the user's own action the list is drawn afresh; a live reload keeps what is being typed elsewhere.
  const act = actionRunner(ctx, result, () => void load(false));

  const load = async (keep = true) => {
    try {
      if (tab === 'due') await loadDue(ctx, list, status);
      else if (tab === 'reminders') await loadReminders(ctx, list, act, keep);
      else await loadAppointments(ctx, list, act, result, keep);
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
  const books = (BOOKING_ROLES as readonly string[]).includes(ctx.session.claims.role);
  if (!answer.items.length) return render(list, empty(t('maint.noneDue')));
  const order: Record<DueStatus, number> = { overdue: 0, due_soon: 1, ok: 2 };
  const trucks = [...answer.items].sort((a, b) => order[a.status] - order[b.status]);
  render(list,
    h('p', { class: 'muted' }, t('maint.count', { n: trucks.length, total: answer.total })),
    trucks.map((d) => {
      const shown = status ? { ...d, items: d.items.filter((i) => i.status === status) } : { ...d, items: d.items.filter((i) => i.status !== 'ok') };
      const bookable = shown.items.filter((i) => i.status !== 'ok' && i.itemId !== 'warranty').map((i) => i.itemId);
      return h('div', { class: 'card', 'data-vin': d.vin, 'data-due': d.status },
        h('div', { class: 'card-title' }, truckLink(d.vin, plateOf.get(d.vin) ?? d.vin), ' ', dueBadge(d.status), h('span', { class: 'muted' }, ` · ${customers.get(d.customerId)?.name ?? ''}`)),
        shown.items.length ? dueTable(shown, name) : h('p', { class: 'muted' }, t('maint.allOk')),
        books && bookable.length ? h('a', { class: 'button small', href: bookingHref(d.vin, { items: bookable }), 'data-testid': 'book-link' }, t('book.action')) : null);
    }));
}

async function loadReminders(ctx: ViewContext, list: HTMLElement, act: Action, keep: boolean): Promise<void> {
  const [reminders, plateOf, stations] = await Promise.all([
    ctx.api.get<Reminder[]>('/v1/maintenance/reminders', { limit: 200 }),
    plates(ctx),
    ctx.directory.stations().catch(() => new Map()),
  ]);
  if (!reminders.length) return render(list, empty(t('maint.noReminders')));
  const mayAct = ctx.session.claims.role !== 'station';
  keepingInput(list, keep ? 'data-reminder-id' : undefined, () => render(list, h('ul', { class: 'cards' }, reminders.map((r) => {
    const id = encodeURIComponent(r.id);
    const until = chinaDateInput('until', chinaDateFromToday(1));
    const reason = h('input', { name: 'reason', maxlength: 500 });
    const booking = r.itemId !== 'warranty' && r.state !== 'dismissed' && mayAct
      ? h('a', { class: 'button small primary', 'data-testid': 'book-link', href: bookingHref(r.vin, { items: [r.itemId], stationId: r.serviceDay?.stationId, date: r.serviceDay?.date }) }, t('book.action'))
      : null;
    return h('li', { class: `card${r.level === 'overdue' && r.state === 'open' ? ' highlight' : ''}`, 'data-reminder-id': r.id, 'data-state': r.state },
      h('div', { class: 'card-title' }, truckLink(r.vin, plateOf.get(r.vin) ?? r.vin), ' ', h('span', { class: `badge due-${r.level}` }, tCode('due', r.level)), ' ',
        h('span', { class: 'badge' }, tCode('reminderState', r.state))),
      h('p', {}, locale() === 'zh-CN' ? r.text.zh : r.text.en),
      h('p', { class: 'muted' }, t('maint.raisedAt', { at: time(r.raisedAt) }),
        r.state === 'snoozed' && r.snoozedUntil ? ` · ${t('maint.snoozedUntil', { at: time(r.snoozedUntil) })}` : '',
        r.reason ? ` · ${r.reason}` : ''),
      r.serviceDay ? h('p', { class: 'note', 'data-testid': 'service-day' }, t('maint.serviceDay', { station: stations.get(r.serviceDay.stationId)?.name ?? '', date: r.serviceDay.date }), ' ', locale() === 'zh-CN' ? r.serviceDay.offer.zh : r.serviceDay.offer.en) : null,
      booking,
      mayAct && r.state !== 'dismissed' ? h('form', { class: 'form', 'data-testid': 'reminder-form', novalidate: true, onsubmit: (e: Event) => {
        e.preventDefault();
        const f = e.currentTarget as HTMLFormElement;
        const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
        const v = formValues(f);
        clearFieldErrors(f);
        if (!v['reason']) return void showFieldError(reason, t('maint.error.reason'));
        if (submitter?.value === 'dismiss') return void act(`/v1/maintenance/reminders/${id}/dismiss`, { reason: v['reason'] }, t('maint.dismissed'), submitter);
        const day = readChinaDate(until);
        if ('error' in day) return void showFieldError(until, day.error);
        if (day.ms <= Date.now()) return void showFieldError(until, t('maint.error.snoozeFuture'));
        // Snoozed until the start of that day in China, whatever the browser's zone.
        void act(`/v1/maintenance/reminders/${id}/snooze`, { until: new Date(day.ms).toISOString(), reason: v['reason'] }, t('maint.snoozed'), submitter,
          (err) => err instanceof ApiError && fieldsOf(err).includes('until') && Boolean(showFieldError(until, t('maint.error.snoozeFuture'))));
      } },
        h('label', {}, t('maint.reason'), reason),
        h('label', {}, t('maint.snoozeUntil'), until),
        h('div', { class: 'inline-buttons' },
          h('button', { class: 'button', type: 'submit', value: 'snooze' }, t('maint.snooze')),
          h('button', { class: 'button danger', type: 'submit', value: 'dismiss' }, t('maint.dismiss')))) : null);
  }))));
}

interface LiveReading {
  live: null | { odometerKm?: number; engineHours?: number };
}

async function loadAppointments(ctx: ViewContext, list: HTMLElement, act: Action, result: HTMLElement, keep: boolean): Promise<void> {
  const { role } = ctx.session.claims;
  const [appointments, plateOf, stations, plans, parts] = await Promise.all([
    ctx.api.get<Appointment[] | { items: Appointment[] }>('/v1/appointments', { limit: 200 }),
    role === 'station' ? Promise.resolve(new Map<string, string | undefined>()) : plates(ctx),
    ctx.directory.stations().catch(() => new Map()),
    ctx.api.get<MaintenancePlan[]>('/v1/maintenance-plans').catch(() => [] as MaintenancePlan[]),
    ctx.directory.parts().catch(() => new Map<string, Part>()),
  ]);
  const items = Array.isArray(appointments) ? appointments : appointments.items;
  if (!items.length) return render(list, empty(t('maint.noAppointments')));
  const name = itemNames(plans);
  const stationSide = role === 'station' || role === 'admin' || role === 'agent';
  const booker = role !== 'station';
  keepingInput(list, keep ? 'data-appointment-id' : undefined, () => render(list, h('ul', { class: 'cards', 'data-testid': 'appointments' }, items.map((a) => {
    const path = `/v1/appointments/${encodeURIComponent(a.id)}`;
    const holds = a.status === 'requested' || a.status === 'proposed' || a.status === 'confirmed';
    const atStation = a.status === 'requested' || a.status === 'confirmed';
    const plate = a.plate ?? plateOf.get(a.vin);
    const button = (label: MessageKey, run: (b: HTMLButtonElement) => void, cls = 'button small') =>
      h('button', { class: cls, type: 'button', onclick: (e: Event) => run(e.currentTarget as HTMLButtonElement) }, t(label));
    const actions: Child[] = [];
    if (stationSide && a.status === 'requested') actions.push(button('maint.confirm', (b) => void act(`${path}/confirm`, {}, t('maint.confirmed'), b), 'button small primary'));
    if (booker && a.status === 'proposed') actions.push(button('maint.acceptProposal', (b) => void act(`${path}/accept`, {}, t('maint.confirmed'), b), 'button small primary'));
    if (holds && ((stationSide && atStation) || booker)) actions.push(newTimeForm(a, path, act, { propose: stationSide && atStation, reschedule: booker }));
    if (holds) actions.push(cancelForm(path, act));
    if (stationSide && atStation) {
      actions.push(button('maint.noShow', async (b) => {
        if (await confirmDialog(t('maint.noShowTitle'), t('maint.noShowBody', { truck: plate ?? a.vin, at: slot(a.startMs) }), t('maint.noShow'), true)) await act(`${path}/no-show`, {}, t('maint.noShowDone'), b);
      }, 'button small danger'));
      actions.push(completeForm(ctx, a, plate, parts, result, () => void loadAppointments(ctx, list, act, result, false)));
    }
    return h('li', { class: 'card', 'data-appointment-id': a.id, 'data-status': a.status },
      h('div', { class: 'card-title' }, plate ? (role === 'station' ? h('b', { 'data-testid': 'plate' }, plate) : truckLink(a.vin, plate)) : h('span', { class: 'mono' }, a.vin),
        a.customerName ? h('span', { class: 'muted' }, ` · ${a.customerName}`) : null, ' ', h('span', { class: 'badge' }, tCode('appointment', a.status))),
      h('p', {}, h('b', {}, stations.get(a.stationId)?.name ?? a.stationName ?? t('case.unknownStation')), ' · ', slot(a.startMs), '–', chinaTimeOfDay(a.endMs),
        h('span', { class: 'muted' }, ` · ${t('book.labour', { n: formatNumber(a.bayHours, 1) })}`),
        a.proposedStartMs !== undefined ? h('span', { class: 'muted' }, ` · ${t('maint.proposedAt', { at: slot(a.proposedStartMs) })}`) : null),
      h('p', {}, a.items.map(name).join('、')),
      a.kit.length ? h('ul', { class: 'kit', 'aria-label': t('book.kit') }, a.kit.map((k) => h('li', { 'data-part': k.partNo, 'data-status': k.status }, `${partName(k.partNo, parts)} × ${k.qty} · ${tCode('partStatus', k.status)}`))) : null,
      a.status === 'completed' ? h('p', { class: 'muted' }, t('maint.serviceRecorded')) : null,
      actions.length ? h('div', { class: 'appointment-actions' }, actions) : null);
  }))));
}

/** A new time as a China-time date and time of day: the station proposes it, the booking side reschedules to it. */
function newTimeForm(a: Appointment, path: string, act: Action, may: { propose: boolean; reschedule: boolean }): HTMLElement {
  const start = a.proposedStartMs ?? a.startMs;
  const date = chinaDateInput('date', chinaDate(start), t('maint.newDate'));
  const at = timeSelect('time', chinaTimeOfDay(start), t('maint.newTimeOfDay'));
  const form = h('form', { novalidate: true, 'data-testid': 'new-time', onsubmit: (e: Event) => e.preventDefault() }, date, at);
  const send = (kind: 'propose' | 'reschedule', b: HTMLButtonElement) => {
    clearFieldErrors(form);
    const day = readChinaDate(date);
    if ('error' in day) return void showFieldError(date, day.error);
    const startMs = chinaInstant(date.value, at.value)!;
    if (startMs <= Date.now()) return void showFieldError(at, t('book.error.past'), date);
    void act(`${path}/${kind}`, { start: new Date(startMs).toISOString() }, t(kind === 'propose' ? 'maint.proposed' : 'maint.rescheduled'), b, (err) => {
      if (!(err instanceof ApiError) || !fieldsOf(err).includes('start')) return false;
      showFieldError(at, err.status === 409 ? t('book.error.full') : t('book.error.closedShort'), date);
      return true;
    });
  };
  if (may.propose) form.append(h('button', { class: 'button small', type: 'button', onclick: (e: Event) => send('propose', e.currentTarget as HTMLButtonElement) }, t('maint.propose')));
  if (may.reschedule) form.append(h('button', { class: 'button small', type: 'button', onclick: (e: Event) => send('reschedule', e.currentTarget as HTMLButtonElement) }, t('maint.reschedule')));
  return form;
}

function cancelForm(path: string, act: Action): HTMLElement {
  const reason = h('input', { name: 'reason', maxlength: 500, 'aria-label': t('maint.cancelReason'), placeholder: t('maint.cancelReason') });
  const form = h('form', { novalidate: true, onsubmit: (e: Event) => e.preventDefault() }, reason,
    h('button', { class: 'button small', type: 'button', onclick: (e: Event) => {
      clearFieldErrors(form);
      if (!reason.value.trim()) return void showFieldError(reason, t('maint.error.reason'));
      void act(`${path}/cancel`, { reason: reason.value.trim() }, t('maint.cancelled'), e.currentTarget as HTMLButtonElement);
    } }, t('maint.cancel')));
  return form;
}

/**
 * The station completes the service: odometer (prefilled from the truck's live reading where the caller may read
 * the truck), engine hours, the kit's parts actually used. Afterwards the truck's due items as they are now.
 */
function completeForm(ctx: ViewContext, a: Appointment, plate: string | undefined, parts: Map<string, Part>, result: HTMLElement, reload: () => void): HTMLElement {
  const odometer = h('input', { name: 'odometerKm', type: 'number', min: 0, step: 1, inputmode: 'numeric' });
  const hours = h('input', { name: 'engineHours', type: 'number', min: 0, step: 0.1, inputmode: 'decimal' });
  const prefill = h('p', { class: 'muted', 'data-testid': 'complete-prefill' });
  const used = a.kit.filter((k) => k.status !== 'unavailable');
  const partsBox = h('fieldset', { class: 'checks', 'data-field': 'partsUsed' }, h('legend', {}, t('maint.partsUsed')),
    used.length ? used.map((k) => h('label', { class: 'choice' }, h('input', { type: 'number', name: `part:${k.partNo}`, min: 0, max: 1000, step: 1, value: k.qty, 'data-used': k.partNo, style: 'width:6em' }), partName(k.partNo, parts)))
      : h('p', { class: 'muted' }, t('maint.noKit')));
  const submit = h('button', { class: 'button small primary', type: 'submit' }, t('maint.complete'));
  const form = h('form', { class: 'form', 'data-testid': 'complete-form', novalidate: true, onsubmit: (e: Event) => {
    e.preventDefault();
    void complete();
  } },
    h('label', {}, t('maint.odometerKm'), odometer), h('label', {}, t('maint.engineHours'), hours),
    h('p', { class: 'muted' }, t('maint.engineHoursHint')), prefill, partsBox, submit);
  const fold = h('details', { class: 'fold', 'data-testid': 'complete', ontoggle: () => {
    if (!fold.open || ctx.session.claims.role === 'station' || odometer.value) return;
    // Admins and agents may read the truck: its live odometer and engine hours start the form.
    void ctx.api.get<LiveReading>(`/v1/vehicles/${encodeURIComponent(a.vin)}`).then((v) => {
      if (v.live?.odometerKm !== undefined && !odometer.value) odometer.value = String(Math.round(v.live.odometerKm));
      if (v.live?.engineHours !== undefined && !hours.value) hours.value = String(Math.round(v.live.engineHours * 10) / 10);
      if (v.live?.odometerKm !== undefined) prefill.textContent = t('maint.prefilled');
    }, () => undefined);
  } }, h('summary', {}, t('maint.completeOpen')), form);

  async function complete(): Promise<void> {
    clearFieldErrors(form);
    const km = Number(odometer.value);
    if (odometer.value.trim() === '' || !Number.isFinite(km) || km < 0) return void showFieldError(odometer, t('maint.error.odometerRequired'));
    const engineHours = hours.value.trim() === '' ? undefined : Number(hours.value);
    if (engineHours !== undefined && !(engineHours >= 0)) return void showFieldError(hours, t('maint.error.engineHours'));
    const partsUsed = [...partsBox.querySelectorAll<HTMLInputElement>('input[data-used]')].map((x) => ({ partNo: x.dataset['used']!, qty: Math.max(0, Math.round(Number(x.value) || 0)) }));
    submit.disabled = true;
    try {
      await ctx.api.post(`/v1/appointments/${encodeURIComponent(a.id)}/complete`, { odometerKm: km, ...(engineHours !== undefined ? { engineHours } : {}), ...(used.length ? { partsUsed } : {}) });
      render(result, h('div', { class: 'ok', 'data-testid': 'completed' }, t('maint.completed')));
      reload();
      if (ctx.session.claims.role !== 'station') void showDueNow(ctx, a.vin, plate ?? a.vin, result);
    } catch (err) {
      submit.disabled = false;
      const fields = err instanceof ApiError ? fieldsOf(err) : [];
      if (fields.includes('odometerKm')) showFieldError(odometer, t('maint.error.odometer'));
      else if (fields.includes('engineHours')) showFieldError(hours, t('maint.error.engineHours'));
      else if (fields.some((f) => f.startsWith('partsUsed') || f === 'qty' || f === 'partNo')) showFieldError(partsBox, t('maint.error.parts'));
      else render(result, errorBox(err));
    }
  }
  return fold;
}

/** After a completion: what is due for the truck now (the service moved its items). */
async function showDueNow(ctx: ViewContext, vin: string, plate: string, result: HTMLElement): Promise<void> {
  try {
    const m = await ctx.api.get<{ plan: MaintenancePlan | null; due: VehicleDue }>(`/v1/vehicles/${encodeURIComponent(vin)}/maintenance`);
    result.append(h('div', { class: 'card', 'data-testid': 'due-now' }, h('h2', {}, t('maint.dueNow', { truck: plate })), dueTable(m.due, itemNames(m.plan ? [m.plan] : []))));
  } catch (err) {
    result.append(errorBox(err));
  }
}
