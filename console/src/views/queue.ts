// The rescue queue: open cases ordered by launch deadline with live countdowns, escalated cases on top,
// with filters (status, customer, region) and search (plate, VIN, customer, case); the history tab lists
// closed cases. One request for the open cases (`/v1/fleet/live?trucks=false`: compact, with plates and
// region names) plus the station list, shared with the other views.
import { itemsOf } from '../api.ts';
import { keepFresh, throttle, type View } from '../context.ts';
import { h, render } from '../dom.ts';
import { time } from '../fmt.ts';
import { t, tCode } from '../i18n.ts';
import { OPEN_STATUSES, type FleetOpenCase, type RescueCase, type Station } from '../model.ts';
import { empty, errorBox, escalatedBadge, loading, statusBadge, viewHead } from './common.ts';

const NOT_LAUNCHED = new Set(['open', 'offered']);
const CLOSED = ['repaired', 'resolved', 'towed', 'closed', 'cancelled'];

/** Escalated first, then cases still waiting for a launch, each group by launch deadline. */
export function queueOrder(a: Pick<FleetOpenCase, 'escalated' | 'status' | 'launchDeadline'>, b: Pick<FleetOpenCase, 'escalated' | 'status' | 'launchDeadline'>): number {
  const group = (c: Pick<FleetOpenCase, 'escalated' | 'status'>) => (c.escalated && NOT_LAUNCHED.has(c.status) ? 0 : NOT_LAUNCHED.has(c.status) ? 1 : 2);
  return group(a) - group(b) || Date.parse(a.launchDeadline) - Date.parse(b.launchDeadline);
}

export const queueView: View = (el, ctx, params) => {
  const tab = params['tab'] === 'history' ? 'history' : 'open';
  const list = h('div', { class: 'queue', 'data-testid': 'queue' }, loading());
  const summary = h('span', { class: 'muted', 'data-testid': 'queue-summary' });
  const q = h('input', { type: 'search', name: 'q', 'aria-label': t('queue.search'), placeholder: t('queue.searchPlaceholder'), value: params['q'] ?? '' });
  const status = h('select', { name: 'status', 'aria-label': t('col.status') }, h('option', { value: '' }, t('queue.allStatuses')),
    (tab === 'open' ? OPEN_STATUSES : CLOSED).map((s) => h('option', { value: s }, tCode('status', s))));
  const customer = h('select', { name: 'customer', 'aria-label': t('col.customer') }, h('option', { value: '' }, t('queue.allCustomers')));
  const region = h('select', { name: 'region', 'aria-label': t('col.region') }, h('option', { value: '' }, t('queue.allRegions')));
  const office = ctx.session.claims.role === 'agent' || ctx.session.claims.role === 'admin';
  render(el, h('section', { class: 'panel' },
    viewHead(t('queue.title'), summary, office ? h('a', { class: 'button primary', href: '#/launch' }, t('nav.launch')) : null),
    h('div', { class: 'tabs', role: 'tablist' },
      h('a', { href: '#/queue', role: 'tab', 'aria-selected': String(tab === 'open'), class: tab === 'open' ? 'active' : '' }, t('queue.tabOpen')),
      h('a', { href: '#/queue?tab=history', role: 'tab', 'aria-selected': String(tab === 'history'), class: tab === 'history' ? 'active' : '' }, t('queue.tabHistory'))),
    h('form', { class: 'form inline filters', role: 'search', onsubmit: (e: Event) => e.preventDefault() }, q, status, customer, tab === 'open' ? region : null),
    list));

  let rows: Array<FleetOpenCase & { customerName?: string }> = [];
  let stations = new Map<string, Station>();
  const stationCell = (c: FleetOpenCase) => {
    if (!c.stationId) return '–';
    const name = stations.get(c.stationId)?.name ?? t('case.unknownStation');
    return NOT_LAUNCHED.has(c.status) ? t('queue.offeredTo', { station: name }) : name;
  };

  const fillSelect = (select: HTMLSelectElement, options: Array<[string, string]>) => {
    const keep = select.value;
    const first = select.options[0]!;
    select.replaceChildren(first, ...options.sort((a, b) => a[1].localeCompare(b[1])).map(([v, label]) => h('option', { value: v, selected: v === keep }, label)));
  };

  const draw = () => {
    const text = q.value.trim().toUpperCase();
    const shown = rows.filter((c) =>
      (!status.value || c.status === status.value) &&
      (!customer.value || c.customerId === customer.value) &&
      (!region.value || c.regionCode === region.value) &&
      (!text || [c.plate, c.vin, c.customerName, c.id].some((v) => v?.toUpperCase().includes(text))));
    if (tab === 'open') {
      shown.sort(queueOrder);
      const waiting = rows.filter((c) => NOT_LAUNCHED.has(c.status)).length;
      summary.textContent = t('queue.summary', { open: rows.length, escalated: rows.filter((c) => c.escalated && NOT_LAUNCHED.has(c.status)).length });
      // A call center keeps the queue in a background tab: the tab title counts the cases waiting for a launch.
      document.title = waiting ? `(${waiting}) ${t('queue.title')} · ${t('app.title')}` : `${t('queue.title')} · ${t('app.title')}`;
    } else {
      summary.textContent = t('queue.historySummary', { n: rows.length });
    }
    if (!shown.length) return render(list, empty(rows.length ? t('queue.noMatch') : tab === 'open' ? t('queue.noOpen') : t('queue.noHistory')));
    render(list,
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, [t('col.truck'), t('col.status'), t('col.customer'), t('col.place'), t('col.reported'), tab === 'open' ? t('col.launchIn') : t('col.station'), tab === 'open' ? t('col.station') : ''].map((x) => h('th', {}, x)))),
        h('tbody', {}, shown.map((c) =>
          h('tr', { 'data-case-id': c.id, class: c.escalated && NOT_LAUNCHED.has(c.status) ? 'row-escalated' : '', onclick: () => ctx.navigate(`#/cases/${encodeURIComponent(c.id)}`) },
            h('td', {}, h('a', { href: `#/cases/${encodeURIComponent(c.id)}`, class: 'case-link' }, c.plate ?? c.vin)),
            h('td', {}, statusBadge(c.status), ' ', escalatedBadge(c)),
            h('td', {}, c.customerName ?? t('case.unknownCustomer')),
            h('td', {}, c.regionName ?? '–'),
            h('td', {}, time(c.reportedAt)),
            tab === 'open'
              ? h('td', {}, NOT_LAUNCHED.has(c.status) ? h('span', { class: 'countdown', 'data-deadline': c.launchDeadline }) : h('span', { class: 'muted' }, t('case.launchedShort')))
              : h('td', {}, stationCell(c)),
            tab === 'open' ? h('td', {}, stationCell(c)) : h('td', {}))))));
  };
  for (const input of [q, status, customer, region]) input.addEventListener('input', draw);

  const load = async (force = false) => {
    try {
      const [page, st] = await Promise.all([
        tab === 'open' ? ctx.directory.openCases(force) : ctx.api.get('/v1/rescues', { limit: 500 }).then((answer) => ({ history: itemsOf<RescueCase>(answer) })),
        ctx.directory.stations().catch(() => new Map<string, Station>()),
      ]);
      stations = st;
      if ('history' in page) {
        const names = await ctx.directory.customers().catch(() => new Map());
        rows = page.history.filter((c) => CLOSED.includes(c.status)).map((c) => ({
          id: c.id, vin: c.vin, customerId: c.customerId, status: c.status, escalated: c.escalated, reportedAt: c.reportedAt,
          launchDeadline: c.launchDeadline, repairDeadline: c.repairDeadline,
          ...(c.launch?.stationId ? { stationId: c.launch.stationId } : {}),
          ...(names.get(c.customerId) ? { customerName: names.get(c.customerId)!.name } : {}),
        }));
        fillSelect(customer, [...new Set(rows.map((r) => r.customerId))].map((id) => [id, names.get(id)?.name ?? id]));
      } else {
        const names = new Map((page.customers ?? []).map((c) => [c.id, c.name]));
        rows = (page.openCases ?? []).map((c) => ({ ...c, ...(names.get(c.customerId) ? { customerName: names.get(c.customerId)! } : {}) }));
        fillSelect(customer, [...new Set(rows.map((r) => r.customerId))].map((id) => [id, names.get(id) ?? id]));
        fillSelect(region, [...new Map(rows.flatMap((r) => (r.regionCode ? [[r.regionCode, r.regionName ?? r.regionCode] as [string, string]] : []))).entries()]);
      }
      draw();
    } catch (err) {
      summary.textContent = '';
      render(list, errorBox(err, () => void load(true)));
    }
  };
  void load();

  const stop = keepFresh(ctx, el, () => void load(true), {
    matches: (e) => e.type.startsWith('rescue.'),
    limit: (fn) => throttle(fn, 2000),
  });
  return () => {
    stop();
    document.title = t('app.title');
  };
};

