// The rescue queue: open cases ordered by launch deadline with live countdowns, escalated cases on top.
// Agents and admins see every case; advisors their customers'; customers their own (the API scopes).
import { itemsOf } from '../api.ts';
import { keepFresh, throttle, type View } from '../context.ts';
import { h, render } from '../dom.ts';
import { minutes, time } from '../fmt.ts';
import { OPEN_STATUSES, type RescueCase } from '../model.ts';
import type { ViewContext } from '../context.ts';
import { caseLink, errorBox, escalatedBadge, statusBadge } from './common.ts';

const NOT_LAUNCHED = new Set(['open', 'offered']);
const BASE_TITLE = document.title;

/** The caller's open cases (the API scopes them), one query per open status. */
export async function loadOpenCases(ctx: Pick<ViewContext, 'api'>): Promise<RescueCase[]> {
  const pages = await Promise.all(OPEN_STATUSES.map((status) => ctx.api.get('/v1/rescues', { status, limit: 500 })));
  return pages.flatMap((p) => itemsOf<RescueCase>(p));
}

/** Escalated first, then cases still waiting for a launch, each group by launch deadline. */
export function queueOrder(a: RescueCase, b: RescueCase): number {
  const group = (c: RescueCase) => (c.escalated && NOT_LAUNCHED.has(c.status) ? 0 : NOT_LAUNCHED.has(c.status) ? 1 : 2);
  return group(a) - group(b) || Date.parse(a.launchDeadline) - Date.parse(b.launchDeadline);
}

function stationCell(c: RescueCase): string {
  if (c.launch) return `${c.launch.stationId} · van ETA ${minutes(c.launch.etaMin)}`;
  const pending = c.offers?.find((o) => o.outcome === 'pending');
  return pending ? `offered to ${pending.stationId}` : '–';
}

export const queueView: View = (el, ctx) => {
  const list = h('div', { class: 'queue', 'data-testid': 'queue' });
  const summary = h('span', { class: 'muted' });
  render(
    el,
    h('section', { class: 'panel' },
      h('header', { class: 'panel-head' }, h('h2', {}, 'Rescue queue'), summary,
        ctx.session.claims.role === 'agent' || ctx.session.claims.role === 'admin'
          ? h('a', { class: 'button primary', href: '#/launch' }, 'Launch rescue')
          : null),
      list),
  );

  let cases: RescueCase[] = [];
  const draw = () => {
    const open = cases.filter((c) => OPEN_STATUSES.includes(c.status)).sort(queueOrder);
    const waiting = open.filter((c) => NOT_LAUNCHED.has(c.status)).length;
    summary.textContent = `${open.length} open · ${open.filter((c) => c.escalated && NOT_LAUNCHED.has(c.status)).length} escalated`;
    // A call center keeps the queue in a background tab: the tab title counts the cases waiting for a launch.
    document.title = waiting ? `(${waiting}) Rescue queue · ${BASE_TITLE}` : `Rescue queue · ${BASE_TITLE}`;
    if (!open.length) return render(list, h('p', { class: 'empty' }, 'No open cases.'));
    render(
      list,
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['Case', 'Status', 'Vehicle', 'Customer', 'Reported', 'Launch in', 'Station'].map((t) => h('th', {}, t)))),
        h('tbody', {},
          open.map((c) =>
            h('tr', { 'data-case-id': c.id, class: c.escalated && NOT_LAUNCHED.has(c.status) ? 'row-escalated' : '', onclick: () => ctx.navigate(`#/cases/${encodeURIComponent(c.id)}`) },
              h('td', {}, caseLink(c)),
              h('td', {}, statusBadge(c.status), ' ', escalatedBadge(c)),
              h('td', { class: 'mono' }, c.vin),
              h('td', {}, c.customerId),
              h('td', {}, time(c.reportedAt)),
              h('td', {}, NOT_LAUNCHED.has(c.status) ? h('span', { class: 'countdown', 'data-deadline': c.launchDeadline }) : h('span', { class: 'muted' }, 'launched')),
              h('td', {}, stationCell(c)),
            ),
          ),
        ),
      ),
    );
  };

  let loading = false;
  let again = false;
  const load = async () => {
    if (loading) return void (again = true);
    loading = true;
    try {
      cases = await loadOpenCases(ctx);
      draw();
    } catch (err) {
      render(list, errorBox(err));
    } finally {
      loading = false;
      if (again) {
        again = false;
        void load();
      }
    }
  };
  void load();

  const stop = keepFresh(ctx, el, () => void load(), {
    matches: (e) => e.type.startsWith('rescue.'),
    limit: (fn) => throttle(fn, 2000),
  });
  return () => {
    stop();
    document.title = BASE_TITLE;
  };
};
