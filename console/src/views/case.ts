// One rescue case with everything a phone call needs: plate, customer, place (region), the faults with
// their meaning, the fixed-point station and advisor with phone numbers, the candidate stations on the
// map with names, phones and ETAs, offers and a timeline with names. Actions by role: a station accepts,
// declines and reports progress with notes; an agent assigns from the nearest capable stations (free text
// only as a fallback) and cancels after a confirmation.
import * as L from 'leaflet';
import { ApiError } from '../api.ts';
import { debounce, keepFresh, type View, type ViewContext } from '../context.ts';
import { formValues, h, render, type Child } from '../dom.ts';
import { km, minutes, time } from '../fmt.ts';
import { t, tCode } from '../i18n.ts';
import type { MessageKey } from '../i18n/en.ts';
import { createMap, squareIcon, truckIcon, type ConsoleMap } from '../map.ts';
import { OPEN_STATUSES, type Customer, type Depot, type Part, type RescueCase, type Station } from '../model.ts';
import { confirmDialog, errorBox, escalatedBadge, loading, phoneLink, statusBadge, truckLink, viewHead } from './common.ts';
import type { Desk } from './desk.ts';
import { faultRows, spnRows } from './faults.ts';
import { repairForms, repairSection, type RepairNames } from './case-repair.ts';

const NEXT_STATUSES: Partial<Record<RescueCase['status'], readonly string[]>> = {
  launched: ['on_site'],
  on_site: ['repairing', 'waiting_parts', 'repaired', 'towed'],
  repairing: ['waiting_parts', 'repaired', 'towed'],
  waiting_parts: ['repairing', 'repaired', 'towed'],
};

/** The API's decline reason codes (core/rescue-case.ts DECLINE_REASONS). */
const DECLINE_REASONS = ['no_van', 'no_technician', 'no_parts', 'closed', 'too_far', 'other'] as const;

interface ServedBy {
  region: { code: string; name: string } | null;
  station: { id: string; name: string; phone?: string; etaMin?: number } | null;
  advisor: { id: string; name: string; phone?: string } | null;
}

interface CaseExtras {
  plate?: string;
  customerName?: string;
  customerPhone?: string;
  servedBy?: ServedBy;
  /** The truck's active codes now (with their failure modes); the case itself keeps only SPNs. */
  dtcs?: Array<{ spn: number; fmi: number }>;
  regionName?: string;
}

interface NearStation {
  station: Station;
  distanceKm: number;
  etaMin: number;
  openNow: boolean;
}

function chosenStationId(c: RescueCase): string | undefined {
  return c.launch?.stationId ?? c.offers?.find((o) => o.outcome === 'pending')?.stationId;
}

function vanEta(c: RescueCase): number | undefined {
  if (c.launch) return c.launch.etaMin ?? c.offers?.find((o) => o.stationId === c.launch?.stationId)?.etaMin;
  return c.offers?.find((o) => o.outcome === 'pending')?.etaMin;
}

/** Who did it, by name: a station's name, the dispatcher, a role. */
/** Notes being typed on a case's progress form, kept across re-renders (per case id, this page only). */
const noteDrafts = new Map<string, string>();

export function actorName(actor: { kind: string; id: string; name?: string } | undefined, stations: Map<string, Station>, customers: Map<string, Customer>): string {
  if (!actor) return '';
  // A person signed in with an account: their display name (the audit trail has the rest).
  if (actor.name) return actor.name;
  if (actor.kind === 'dispatcher' || actor.kind === 'system') return t('actor.dispatcher');
  if (actor.kind === 'station') return stations.get(actor.id)?.name ?? t('actor.station');
  if (actor.kind === 'customer') return customers.get(actor.id)?.name ?? t('role.customer');
  const role = `role.${actor.kind}` as MessageKey;
  const label = t(role);
  return label.startsWith('⟦') ? t('actor.system') : label;
}

export const caseView: View = (el, ctx, params) => {
  const id = params['id'] ?? '';
  const { role } = ctx.session.claims;
  const office = role === 'agent' || role === 'admin';
  const head = viewHead(t('case.title'));
  const mapEl = h('div', { class: 'map', 'data-testid': 'case-map', role: 'region', 'aria-label': t('case.map') });
  const body = h('div', { class: 'case-body' }, loading());
  const actions = h('div', { class: 'case-actions' });
  render(el, h('section', { class: 'panel case' }, head, h('div', { class: 'split' }, h('div', { class: 'split-map' }, mapEl), h('div', { class: 'split-side' }, actions, body))));

  let cmap: ConsoleMap | undefined;
  let overlay: L.LayerGroup | undefined;
  let fitted = false;
  let current: RescueCase | undefined;
  let extras: Promise<CaseExtras> | undefined;
  let nearest: Promise<NearStation[]> | undefined;

  /** Plate, customer and who serves the truck where it broke down: once per page (they do not change). */
  const loadExtras = (c: RescueCase): Promise<CaseExtras> => {
    if (role === 'station') {
      // A station reads no registry: its desk carries plate, customer, place and codes of its cases.
      return ctx.api.get<Desk>('/v1/station-desk').then((desk) => {
        const mine = [...desk.offers, ...desk.running, ...desk.history].find((x) => x.id === c.id);
        if (!mine) return {};
        return {
          ...(mine.plate ? { plate: mine.plate } : {}),
          ...(mine.customerName ? { customerName: mine.customerName } : {}),
          ...(mine.customerPhone ? { customerPhone: mine.customerPhone } : {}),
          ...(mine.dtcs.length ? { dtcs: mine.dtcs } : {}),
          ...(mine.place?.regionName ? { regionName: mine.place.regionName } : {}),
        };
      }).catch(() => ({}));
    }
    const query = c.location ? { lat: c.location.lat, lon: c.location.lon } : undefined;
    return Promise.all([
      ctx.api.get<{ vehicle: { plate?: string }; servedBy: ServedBy; live: { dtcs?: Array<{ spn: number; fmi: number }> } | null }>(`/v1/vehicles/${encodeURIComponent(c.vin)}`, query).catch(() => undefined),
      ctx.api.get<Customer>(`/v1/customers/${encodeURIComponent(c.customerId)}`).catch(() => undefined),
    ]).then(([v, customer]) => {
      return {
        ...(v?.vehicle.plate ? { plate: v.vehicle.plate } : {}),
        ...(customer ? { customerName: customer.name, ...(customer.contactPhone ? { customerPhone: customer.contactPhone } : {}) } : {}),
        ...(v ? { servedBy: v.servedBy } : {}),
        ...(v?.live?.dtcs?.length ? { dtcs: v.live.dtcs } : {}),
      };
    });
  };

  const drawMap = (c: RescueCase, stations: Map<string, Station>, near: NearStation[]) => {
    cmap ??= createMap(mapEl, ctx.settings);
    overlay?.remove();
    overlay = L.layerGroup().addTo(cmap.map);
    if (!c.location) return;
    const chosen = chosenStationId(c);
    const points = [{ lat: c.location.lat, lon: c.location.lon }];
    const named = (m: L.Marker, label: string) => {
      m.addTo(overlay!);
      m.getElement()?.setAttribute('aria-label', label);
    };
    const seen = new Set<string>();
    for (const cand of c.candidates ?? []) {
      const s = stations.get(cand.stationId);
      if (!s || cand.stationId === chosen) continue;
      seen.add(s.id);
      const label = `${s.name} · ${s.phone ?? ''} · ${t('case.etaShort', { eta: minutes(cand.etaMin) })}`;
      named(L.marker(cmap.toLatLng(s.lat, s.lon), { icon: squareIcon(cand.kept ? '#1f6fb2' : '#7b8794', cand.rank !== undefined ? String(cand.rank) : ''), title: label, alt: label }).bindTooltip(label), label);
      if (cand.kept) points.push({ lat: s.lat, lon: s.lon });
    }
    for (const n of near) {
      if (seen.has(n.station.id) || n.station.id === chosen) continue;
      const label = `${n.station.name} · ${n.station.phone ?? ''} · ${t('case.etaShort', { eta: minutes(n.etaMin) })}`;
      named(L.marker(cmap.toLatLng(n.station.lat, n.station.lon), { icon: squareIcon('#1f6fb2', ''), title: label, alt: label }).bindTooltip(label), label);
    }
    const chosenStation = chosen ? stations.get(chosen) : undefined;
    if (chosenStation) {
      const from = cmap.toLatLng(chosenStation.lat, chosenStation.lon);
      L.polyline([from, cmap.toLatLng(c.location.lat, c.location.lon)], { color: '#1b8a5a', weight: 3, ...(c.launch ? {} : { dashArray: '6 6' }) }).addTo(overlay);
      const label = `${chosenStation.name} · ${t('case.vanEta', { eta: minutes(vanEta(c)) })}`;
      named(L.marker(from, { icon: squareIcon('#1b8a5a', '★'), title: label, alt: label })
        .bindTooltip(label, { permanent: true, direction: 'bottom', offset: [0, 8], className: 'eta-label' }), label);
      points.push({ lat: chosenStation.lat, lon: chosenStation.lon });
    }
    const truckLabel = t('case.truckHere');
    named(L.marker(cmap.toLatLng(c.location.lat, c.location.lon), { icon: truckIcon(), zIndexOffset: 1000, title: truckLabel, alt: truckLabel }), truckLabel);
    if (!fitted) {
      cmap.fit(points, 10);
      fitted = true;
    }
  };

  const draw = async (c: RescueCase) => {
    current = c;
    extras ??= loadExtras(c);
    if (office && (c.status === 'open' || c.status === 'offered') && c.location && !nearest) nearest = loadNearest(ctx, c);
    // Part and depot names only when the case has parts (a case waiting for a launch has none): the view
    // stays within its request budget.
    const depotLines = (c.parts ?? []).some((p) => p.depotId || p.nextOption?.depotId);
    const [stations, x, near, parts, depots] = await Promise.all([
      ctx.directory.stations().catch(() => new Map<string, Station>()),
      extras,
      nearest ?? Promise.resolve([]),
      c.parts?.length || c.quote || c.claim ? ctx.directory.parts().catch(() => new Map<string, Part>()) : Promise.resolve(new Map<string, Part>()),
      depotLines ? ctx.directory.depots().catch(() => new Map<string, Depot>()) : Promise.resolve(new Map<string, Depot>()),
    ]);
    const names: RepairNames = { parts, depots, stations };
    const customers = new Map<string, Customer>(x.customerName ? [[c.customerId, { id: c.customerId, name: x.customerName }]] : []);
    const station = (sid: string) => stations.get(sid);
    const stationName = (sid: string) => station(sid)?.name ?? t('case.unknownStation');
    const launched = !['open', 'offered'].includes(c.status);
    const truckName = x.plate ?? c.vin;

    render(head,
      h('h1', {}, t('case.titleOf', { name: truckName })), statusBadge(c.status), escalatedBadge(c),
      c.needsConfirmation ? h('span', { class: 'badge warn' }, t('case.needsConfirmation')) : null,
      h('span', { class: 'clocks' },
        launched ? h('span', { class: 'muted' }, t('case.launchedAt', { at: time(c.launch?.at) })) : h('span', {}, t('case.launchIn'), ' ', h('b', { class: 'countdown', 'data-deadline': c.launchDeadline })),
        OPEN_STATUSES.includes(c.status) ? h('span', {}, ' · ', t('case.repairIn'), ' ', h('b', { class: 'countdown', 'data-deadline': c.repairDeadline })) : null,
      ),
    );

    const cancelled = c.timeline?.find((e) => e.event === 'cancelled');
    const candidates = [...(c.candidates ?? [])].sort((a, b) => Number(b.kept) - Number(a.kept) || (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.etaMin - b.etaMin);
    const served = x.servedBy;
    render(body,
      cancelled ? h('div', { class: 'error', role: 'status', 'data-testid': 'cancel-reason' }, t('case.cancelledBecause', { reason: String(cancelled.details?.['reason'] ?? '') })) : null,
      h('dl', { class: 'facts' },
        h('dt', {}, t('col.truck')), h('dd', {}, role === 'station' ? truckName : truckLink(c.vin, truckName), h('span', { class: 'muted mono' }, ` ${c.vin}`)),
        h('dt', {}, t('col.customer')), h('dd', { 'data-testid': 'customer' }, x.customerName ?? t('case.unknownCustomer'), x.customerPhone ? [' · ', phoneLink(x.customerPhone)] : null),
        h('dt', {}, t('col.reported')), h('dd', {}, `${time(c.reportedAt)} · ${tCode('source', c.source)}`),
        h('dt', {}, t('col.place')), h('dd', {}, served?.region?.name ?? x.regionName ?? '', c.location ? h('span', { class: 'muted' }, ` ${c.location.lat.toFixed(4)}, ${c.location.lon.toFixed(4)}`) : null),
        c.description ? [h('dt', {}, t('col.description')), h('dd', {}, c.description)] : null,
        c.contactPhone ? [h('dt', {}, t('col.driverPhone')), h('dd', {}, phoneLink(c.contactPhone))] : null,
        served ? [h('dt', {}, t('truck.fixedPoint')), h('dd', { 'data-testid': 'fixed-point' }, served.station ? [served.station.name, ' · ', phoneLink(served.station.phone)] : t('truck.noFixedPoint'))] : null,
        served ? [h('dt', {}, t('truck.advisor')), h('dd', { 'data-testid': 'advisor' }, served.advisor ? [served.advisor.name, ' · ', phoneLink(served.advisor.phone)] : t('truck.noAdvisor'))] : null,
        c.launch ? [h('dt', {}, t('case.rescue')), h('dd', { 'data-testid': 'launch' }, `${stationName(c.launch.stationId)} · ${t('case.van')} ${c.launch.vanId ?? '–'} · ${c.launch.technician ?? '–'} · ${t('case.etaShort', { eta: minutes(vanEta(c)) })}`, ' · ', phoneLink(station(c.launch.stationId)?.phone))] : null,
        c.escalationReason ? [h('dt', {}, t('case.escalated')), h('dd', {}, `${time(c.escalatedAt)} · ${tCode('escalation', c.escalationReason)}`)] : null,
      ),
      repairSection(c, names),
      h('h2', {}, t('truck.faults')),
      x.dtcs?.length ? faultRows(x.dtcs) : c.spns?.length ? spnRows(c.spns) : h('p', { class: 'muted' }, t('case.noCodes')),
      role !== 'station' ? [
        h('h2', {}, t('case.candidates', { n: candidates.length })),
        candidates.length
          ? h('table', { class: 'table compact', 'data-testid': 'candidates' },
              h('thead', {}, h('tr', {}, ['#', t('col.station'), t('col.phone'), t('col.distance'), t('col.eta'), t('col.decision')].map((x2) => h('th', {}, x2)))),
              h('tbody', {}, candidates.map((cd) =>
                h('tr', { class: cd.kept ? 'kept' : 'dropped', 'data-station-id': cd.stationId },
                  h('td', {}, cd.rank ?? ''),
                  h('td', {}, stationName(cd.stationId), cd.fixedPoint ? h('span', { class: 'badge fixed' }, t('case.fixedPointBadge')) : null),
                  h('td', {}, phoneLink(station(cd.stationId)?.phone)),
                  h('td', {}, km(cd.distanceKm)),
                  h('td', {}, minutes(cd.etaMin)),
                  h('td', {}, cd.kept ? t('case.kept') : `${t('case.dropped')}: ${tCode('drop', cd.reason)}`),
                ))))
          : h('p', { class: 'muted' }, t('case.noCandidates')),
      ] : null,
      h('h2', {}, t('case.offers', { n: c.offers?.length ?? 0 })),
      c.offers?.length
        ? h('table', { class: 'table compact', 'data-testid': 'offers' },
            h('thead', {}, h('tr', {}, ['#', t('col.station'), t('col.offered'), t('col.eta'), t('col.outcome')].map((x2) => h('th', {}, x2)))),
            h('tbody', {}, c.offers.map((o) =>
              h('tr', { 'data-outcome': o.outcome },
                h('td', {}, o.attempt),
                h('td', {}, stationName(o.stationId)),
                h('td', {}, time(o.offeredAt)),
                h('td', {}, minutes(o.etaMin)),
                h('td', {}, o.outcome === 'pending' ? [t('case.pendingExpires'), ' ', h('span', { class: 'countdown', 'data-deadline': o.expiresAt })] : `${tCode('outcome', o.outcome)}${o.reason ? ` · ${o.reason}` : ''}`),
              ))))
        : h('p', { class: 'muted' }, t('case.noOffers')),
      h('h2', {}, t('case.timeline')),
      h('ol', { class: 'timeline', 'data-testid': 'timeline' }, (c.timeline ?? []).map((e) => {
        const note = e.details?.['note'] ?? e.details?.['reason'];
        return h('li', {}, h('time', {}, time(e.at)), ' ', h('b', {}, tCode('event', e.event)),
          e.to && e.to !== e.event ? ` → ${tCode('status', e.to)}` : '',
          e.actor ? h('span', { class: 'muted' }, ` · ${actorName(e.actor, stations, customers)}`) : '',
          typeof note === 'string' && note ? h('span', { class: 'note' }, ` · ${note}`) : '');
      })),
    );
    renderActions(actions, ctx, c, near, stationName, names, () => void load());
    drawMap(c, stations, near);
  };

  const load = async () => {
    try {
      const c = await ctx.api.get<RescueCase>(`/v1/rescues/${encodeURIComponent(id)}`);
      await draw(c);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) el.dataset['notFound'] = 'true';
      render(body, errorBox(err, err instanceof ApiError && err.status === 404 ? undefined : () => void load()));
      render(actions);
    }
  };
  void load();

  const stop = keepFresh(ctx, el, () => void load(), {
    matches: (e) => e.caseId === id || Boolean(current && e.type.startsWith('rescue.') && e.vin === current.vin),
    limit: (fn) => debounce(fn, 150),
  });
  return () => {
    stop();
    cmap?.destroy();
  };
};

/** The nearest active stations with every capability the case needs, by van ETA (`/v1/stations/nearest`). */
async function loadNearest(ctx: ViewContext, c: RescueCase): Promise<NearStation[]> {
  if (!c.location) return [];
  const needs = (c.capabilities ?? []).filter((x) => x !== 'heavy-duty');
  const answer = await ctx.api.get<{ items: NearStation[] }>('/v1/stations/nearest', {
    lat: c.location.lat, lon: c.location.lon, limit: 30, ...(needs[0] ? { capability: needs[0] } : {}),
  }).catch(() => ({ items: [] as NearStation[] }));
  return answer.items.filter((n) => (c.capabilities ?? []).every((cap) => n.station.capabilities?.includes(cap))).slice(0, 8);
}

function renderActions(el: HTMLElement, ctx: ViewContext, c: RescueCase, near: NearStation[], stationName: (id: string) => string, names: RepairNames, reload: () => void): void {
  const { role, stationId } = ctx.session.claims;
  const out: Child[] = [];
  const result = h('div', { class: 'action-result', role: 'status' });
  const post = async (path: string, body: unknown, done: string, button?: HTMLButtonElement | null) => {
    if (button) button.disabled = true;
    try {
      await ctx.api.post(`/v1/rescues/${encodeURIComponent(c.id)}/${path}`, body);
      render(result, h('div', { class: 'ok' }, done));
      reload();
    } catch (err) {
      render(result, errorBox(err));
    } finally {
      if (button) button.disabled = false;
    }
  };
  const crew = (v: Record<string, string>) => ({
    ...(v['vanId'] ? { vanId: v['vanId'] } : {}),
    ...(v['technician'] ? { technician: v['technician'] } : {}),
    ...(v['etaMin'] ? { etaMin: Number(v['etaMin']) } : {}),
  });
  const onSubmit = (fn: (form: HTMLFormElement, v: Record<string, string>) => void) => (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    fn(form, formValues(form));
  };

  const pending = c.offers?.find((o) => o.outcome === 'pending');
  if (role === 'station' && pending && pending.stationId === stationId) {
    out.push(
      h('form', { class: 'card form', 'data-testid': 'accept-form', onsubmit: onSubmit((f, v) => void post('accept', crew(v), t('case.accepted'), f.querySelector('button'))) },
        h('h2', {}, t('case.acceptTitle')),
        h('label', {}, t('case.van'), h('input', { name: 'vanId', required: true, maxlength: 64, autocomplete: 'off' })),
        h('label', {}, t('case.technician'), h('input', { name: 'technician', required: true, maxlength: 200 })),
        h('label', {}, t('case.etaMinutes'), h('input', { name: 'etaMin', type: 'number', min: 1, max: 1440, required: true, value: Math.round(pending.etaMin) })),
        h('button', { class: 'button primary big', type: 'submit' }, t('action.accept'))),
      h('form', { class: 'card form', 'data-testid': 'decline-form', onsubmit: onSubmit((f, v) => void post('decline', { reasonCode: v['reasonCode'], reason: v['note'] || tCode('decline', v['reasonCode'] ?? 'other') }, t('case.declined'), f.querySelector('button'))) },
        h('h2', {}, t('action.decline')),
        h('label', {}, t('case.reason'), h('select', { name: 'reasonCode', required: true }, DECLINE_REASONS.map((code) => h('option', { value: code }, tCode('decline', code))))),
        h('label', {}, t('case.noteOptional'), h('input', { name: 'note', maxlength: 500 })),
        h('button', { class: 'button danger big', type: 'submit' }, t('action.decline'))),
    );
  }
  if ((role === 'agent' || role === 'admin') && (c.status === 'open' || c.status === 'offered')) {
    const choice = h('fieldset', { class: 'choices', 'data-testid': 'nearest-stations' },
      h('legend', {}, t('case.nearestCapable')),
      near.length
        ? near.map((n, i) => h('label', { class: 'choice' },
            h('input', { type: 'radio', name: 'stationId', value: n.station.id, checked: i === 0, required: true }),
            h('span', {}, h('b', {}, n.station.name), ` · ${t('case.etaShort', { eta: minutes(n.etaMin) })} · ${km(n.distanceKm)}`, n.openNow ? '' : ` · ${t('case.closedNow')}`, ' · ', phoneLink(n.station.phone))))
        : h('p', { class: 'muted' }, t('case.noNearest')));
    const fallback = h('details', { class: 'fold' }, h('summary', {}, t('case.otherStation')),
      h('label', {}, t('case.stationId'), h('input', { name: 'otherStationId', autocomplete: 'off', maxlength: 64 })));
    const assign = h('form', {
      class: `card form${c.escalated ? ' highlight' : ''}`, 'data-testid': 'assign-form',
      onsubmit: onSubmit((f, v) => {
        const sid = v['otherStationId'] || v['stationId'];
        if (!sid) return render(result, h('div', { class: 'error', role: 'alert' }, t('case.pickStation')));
        void post('assign', { stationId: sid, ...crew(v) }, t('case.assigned', { station: stationName(sid) }), f.querySelector<HTMLButtonElement>('button[type=submit]'));
      }),
    },
      h('h2', {}, c.escalated ? t('case.assignEscalated') : t('case.assignTitle')),
      choice, fallback,
      h('div', { class: 'row' },
        h('label', {}, t('case.van'), h('input', { name: 'vanId', maxlength: 64 })),
        h('label', {}, t('case.technician'), h('input', { name: 'technician', maxlength: 200 })),
        h('label', {}, t('case.etaMinutes'), h('input', { name: 'etaMin', type: 'number', min: 1, max: 1440 }))),
      h('button', { class: 'button primary', type: 'submit' }, t('action.assign')));
    out.push(c.escalated ? assign : h('details', { class: 'fold' }, h('summary', {}, t('case.assignTitle')), assign));
  }
  const runsIt = role === 'station' ? c.launch?.stationId === stationId : role === 'agent' || role === 'admin';
  // The lifecycle of core/rescue-case.ts: the van arrives, then repairs (waiting for parts as needed).
  const next = NEXT_STATUSES[c.status] ?? [];
  if (runsIt && next.length) {
    // A live update re-renders the case while someone may be typing: the note they typed survives it.
    const note = h('input', {
      name: 'note', maxlength: 1000, 'aria-label': t('case.noteOptional'), placeholder: t('case.noteOptional'),
      value: noteDrafts.get(c.id) ?? '', oninput: (e: Event) => noteDrafts.set(c.id, (e.currentTarget as HTMLInputElement).value),
    });
    out.push(h('div', { class: 'card form', 'data-testid': 'status-actions' },
      h('h2', {}, t('case.progress')),
      h('label', {}, t('case.noteOptional'), note),
      h('div', { class: 'inline-buttons' }, next.map((status) =>
        h('button', {
          class: 'button big', type: 'button', 'data-status': status,
          onclick: async (e: Event) => {
            const button = e.currentTarget as HTMLButtonElement;
            // The draft is the note: a live re-render may have replaced the field someone was typing into.
            const text = (noteDrafts.get(c.id) ?? note.value).trim();
            const ok = await confirmDialog(t('case.confirmStatus', { status: tCode('status', status) }), text ? t('case.withNote', { note: text }) : t('case.noNote'), tCode('statusAction', status));
            if (ok) {
              noteDrafts.delete(c.id);
              await post('status', { status, ...(text ? { note: text } : {}) }, tCode('status', status), button);
            }
          },
        }, tCode('statusAction', status))))));
  }
  out.push(...repairForms(ctx, c, names, post, result));
  if ((role === 'agent' || role === 'admin') && OPEN_STATUSES.includes(c.status)) {
    out.push(h('form', {
      class: 'card form inline', 'data-testid': 'cancel-form',
      onsubmit: onSubmit(async (f, v) => {
        const reason = v['reason'] ?? '';
        const ok = await confirmDialog(t('case.confirmCancel'), t('case.cancelReasonIs', { reason }), t('action.cancelCase'), true);
        if (ok) await post('cancel', { reason }, t('case.cancelled'), f.querySelector('button'));
      }),
    },
      h('label', {}, t('case.cancelReason'), h('input', { name: 'reason', required: true, maxlength: 500 })),
      h('button', { class: 'button danger', type: 'submit' }, t('action.cancelCase'))));
  }
  render(el, out.length ? [...out, result] : null);
}
