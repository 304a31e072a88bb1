// The station's tablet: offers with plate, customer, place, faults, ETA and the time left to answer;
// the rescues it runs; its history; and its own switches — vans in service and open / closed — which
// dispatch honours from the next offer. Large touch targets. One request (`GET /v1/station-desk`).
import { keepFresh, throttle, type View } from '../context.ts';
import { h, render } from '../dom.ts';
import { km, minutes, time } from '../fmt.ts';
import { locale, t } from '../i18n.ts';
import { describeFault, SPN_TEXT } from '../../../core/j1939-descriptions.ts';
import { confirmDialog, empty, errorBox, loading, phoneLink, statusBadge, viewHead } from './common.ts';

export interface DeskCase {
  id: string;
  status: string;
  reportedAt: string;
  vin: string;
  plate?: string;
  customerName?: string;
  customerPhone?: string;
  contactPhone?: string;
  description?: string;
  place: { lat: number; lon: number; regionName?: string } | null;
  spns: number[];
  dtcs: Array<{ spn: number; fmi: number }>;
  offer?: { attempt: number; expiresAt: string; etaMin: number; distanceKm: number; outcome: string };
  launch?: { at: string; vanId?: string; technician?: string; etaMin?: number };
  repairDeadline: string;
}

export interface Desk {
  station: { id: string; name: string; phone?: string; hours: string; vans: number; vansInUse: number; closed: boolean };
  offers: DeskCase[];
  running: DeskCase[];
  history: DeskCase[];
}

/** What broke, in the user's language: the truck's live codes, else the case's SPNs. */
export function deskFaults(c: Pick<DeskCase, 'dtcs' | 'spns'>): string[] {
  const zh = locale() === 'zh-CN';
  if (c.dtcs.length) return c.dtcs.map((d) => { const x = describeFault(d.spn, d.fmi); return zh ? x.text.zh : x.text.en; });
  return c.spns.map((spn) => (SPN_TEXT[spn] ? (zh ? SPN_TEXT[spn]!.zh : SPN_TEXT[spn]!.en) : `SPN ${spn}`));
}

export const deskView: View = (el, ctx) => {
  const head = viewHead(t('desk.title'));
  const controls = h('div', { class: 'desk-controls', 'data-testid': 'desk-controls' });
  const offered = h('div', { class: 'cards', 'data-testid': 'offers-list' }, loading());
  const running = h('div', { class: 'cards', 'data-testid': 'my-rescues' });
  const history = h('div', { 'data-testid': 'history' });
  const note = h('div', { role: 'status' });
  // The station's other screens, one tap from the tablet's home (its top bar keeps the single Offers entry).
  const more = h('nav', { class: 'tabs', 'aria-label': t('desk.more'), 'data-testid': 'desk-links' },
    h('a', { href: '#/maintenance' }, t('maint.tab.appointments')),
    h('a', { href: '#/complaints' }, t('nav.complaints')),
    h('a', { href: '#/scorecard' }, t('nav.scorecard')));
  render(el, h('section', { class: 'panel desk' }, head, more, controls, note,
    h('h2', {}, t('desk.offers')), offered,
    h('h2', {}, t('desk.running')), running,
    h('h2', {}, t('desk.history')), history));

  const update = async (change: { vans?: number; closed?: boolean }, done: string) => {
    try {
      await ctx.api.patch('/v1/station-desk', change);
      render(note, h('div', { class: 'ok' }, done));
      void load();
    } catch (err) {
      render(note, errorBox(err));
    }
  };

  const load = async () => {
    try {
      const desk = await ctx.api.get<Desk>('/v1/station-desk');
      const s = desk.station;
      render(head, h('h1', {}, s.name), h('span', { class: `badge ${s.closed ? 'escalated' : 'status-launched'}`, 'data-testid': 'open-state' }, s.closed ? t('desk.closed') : t('desk.open')));
      render(controls,
        h('div', { class: 'card form inline' },
          h('span', { 'data-testid': 'vans' }, t('desk.vans', { n: s.vans, used: s.vansInUse })),
          h('button', { class: 'button big', type: 'button', 'data-testid': 'van-out', disabled: s.vans <= 0,
            onclick: async () => {
              if (await confirmDialog(t('desk.vanOutTitle'), t('desk.vanOutBody', { n: s.vans - 1 }), t('desk.vanOut'))) await update({ vans: s.vans - 1 }, t('desk.vansNow', { n: s.vans - 1 }));
            } }, t('desk.vanOut')),
          h('button', { class: 'button big', type: 'button', 'data-testid': 'van-in',
            onclick: () => void update({ vans: s.vans + 1 }, t('desk.vansNow', { n: s.vans + 1 })) }, t('desk.vanIn')),
          h('button', { class: `button big ${s.closed ? 'primary' : 'danger'}`, type: 'button', 'data-testid': 'toggle-open',
            onclick: async () => {
              const closing = !s.closed;
              if (await confirmDialog(closing ? t('desk.closeTitle') : t('desk.openTitle'), closing ? t('desk.closeBody') : t('desk.openBody'), closing ? t('desk.close') : t('desk.reopen'), closing)) {
                await update({ closed: closing }, closing ? t('desk.closedNow') : t('desk.openNow'));
              }
            } }, s.closed ? t('desk.reopen') : t('desk.close'))));

      render(offered, desk.offers.length
        ? desk.offers.map((c) => h('a', { class: 'card offer', href: `#/cases/${encodeURIComponent(c.id)}`, 'data-case-id': c.id },
            h('div', { class: 'card-title' }, h('b', { class: 'plate' }, c.plate ?? c.vin), ' ', statusBadge(c.status)),
            h('div', {}, c.customerName ?? ''),
            h('div', {}, t('desk.place', { place: c.place?.regionName ?? '–', km: km(c.offer?.distanceKm) })),
            h('ul', { class: 'plain faults' }, deskFaults(c).map((f) => h('li', {}, f))),
            c.description ? h('div', { class: 'muted' }, c.description) : null,
            h('div', {}, t('desk.eta', { eta: minutes(c.offer?.etaMin) })),
            h('div', { class: 'big-clock' }, t('desk.answerWithin'), ' ', h('span', { class: 'countdown', 'data-deadline': c.offer?.expiresAt ?? '' })),
            h('span', { class: 'button primary big' }, t('desk.openAndAnswer'))))
        : empty(t('desk.noOffers')));
      render(running, desk.running.length
        ? desk.running.map((c) => h('a', { class: 'card', href: `#/cases/${encodeURIComponent(c.id)}`, 'data-case-id': c.id },
            h('div', { class: 'card-title' }, h('b', {}, c.plate ?? c.vin), ' ', statusBadge(c.status)),
            h('div', {}, c.customerName ?? '', ' · ', phoneLink(c.contactPhone ?? c.customerPhone)),
            h('div', {}, `${t('case.van')} ${c.launch?.vanId ?? '–'} · ${c.launch?.technician ?? '–'} · ${t('case.launchedAt', { at: time(c.launch?.at) })}`),
            h('div', {}, t('desk.repairDue'), ' ', h('span', { class: 'countdown', 'data-deadline': c.repairDeadline }))))
        : empty(t('desk.noRunning')));
      render(history, desk.history.length
        ? h('table', { class: 'table compact' },
            h('thead', {}, h('tr', {}, [t('col.truck'), t('col.customer'), t('col.place'), t('col.reported'), t('col.status')].map((x) => h('th', {}, x)))),
            h('tbody', {}, desk.history.map((c) => h('tr', { 'data-case-id': c.id },
              h('td', {}, h('a', { href: `#/cases/${encodeURIComponent(c.id)}` }, c.plate ?? c.vin)),
              h('td', {}, c.customerName ?? ''),
              h('td', {}, c.place?.regionName ?? '–'),
              h('td', {}, time(c.reportedAt)),
              h('td', {}, statusBadge(c.status))))))
        : empty(t('desk.noHistory')));
    } catch (err) {
      render(offered, errorBox(err, () => void load()));
    }
  };
  void load();
  return keepFresh(ctx, el, () => void load(), {
    matches: (e) => e.type.startsWith('rescue.'),
    limit: (fn) => throttle(fn, 2000),
  });
};
