// One rescue case: map (truck, candidate stations, chosen station, van ETA), the ranked candidates with
// the reason each was kept or dropped, offers, timeline, and the actions the caller's role may take
// (a station accepts or declines its offer; an agent assigns by hand or cancels).
import * as L from 'leaflet';
import { ApiError } from '../api.ts';
import { debounce, keepFresh, type View, type ViewContext } from '../context.ts';
import { formValues, h, render } from '../dom.ts';
import { humanize, km, minutes, time } from '../fmt.ts';
import { createMap, squareIcon, truckIcon, type ConsoleMap } from '../map.ts';
import { OPEN_STATUSES, type RescueCase, type Station } from '../model.ts';
import { errorBox, escalatedBadge, statusBadge } from './common.ts';

/** The API's decline reason codes (core/rescue-case.ts DECLINE_REASONS) with what the station reads. */
const DECLINE_REASONS: ReadonlyArray<[string, string]> = [
  ['no_van', 'No van available'],
  ['no_technician', 'No technician available'],
  ['no_parts', 'Missing parts'],
  ['closed', 'Station closed'],
  ['too_far', 'Too far'],
  ['other', 'Other'],
];

function chosenStationId(c: RescueCase): string | undefined {
  return c.launch?.stationId ?? c.offers?.find((o) => o.outcome === 'pending')?.stationId;
}

function vanEta(c: RescueCase): number | undefined {
  if (c.launch) return c.launch.etaMin ?? c.offers?.find((o) => o.stationId === c.launch?.stationId)?.etaMin;
  return c.offers?.find((o) => o.outcome === 'pending')?.etaMin;
}

export const caseView: View = (el, ctx, params) => {
  const id = params['id'] ?? '';
  const head = h('header', { class: 'panel-head' }, h('h2', {}, `Case ${id}`));
  const mapEl = h('div', { class: 'map', 'data-testid': 'case-map' });
  const body = h('div', { class: 'case-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const actions = h('div', { class: 'case-actions' });
  render(el, h('section', { class: 'panel case' }, head, h('div', { class: 'split' }, h('div', { class: 'split-map' }, mapEl), h('div', { class: 'split-side' }, actions, body))));

  let cmap: ConsoleMap | undefined;
  let overlay: L.LayerGroup | undefined;
  let fitted = false;
  let current: RescueCase | undefined;

  const drawMap = async (c: RescueCase, stations: Map<string, Station>) => {
    cmap ??= createMap(mapEl, ctx.settings);
    overlay?.remove();
    overlay = L.layerGroup().addTo(cmap.map);
    const chosen = chosenStationId(c);
    const points = [{ lat: c.location.lat, lon: c.location.lon }];
    for (const cand of c.candidates ?? []) {
      const s = stations.get(cand.stationId);
      if (!s || cand.stationId === chosen) continue;
      L.marker(cmap.toLatLng(s.lat, s.lon), { icon: squareIcon(cand.kept ? '#2680c2' : '#9aa5b1', cand.rank !== undefined ? String(cand.rank) : '') })
        .bindTooltip(`${s.name}: ${cand.kept ? 'kept' : 'dropped'} (${humanize(cand.reason)}), ETA ${minutes(cand.etaMin)}`)
        .addTo(overlay);
      if (cand.kept) points.push({ lat: s.lat, lon: s.lon });
    }
    const chosenStation = chosen ? (stations.get(chosen) ?? (await ctx.station(chosen))) : undefined;
    if (chosenStation) {
      const from = cmap.toLatLng(chosenStation.lat, chosenStation.lon);
      L.polyline([from, cmap.toLatLng(c.location.lat, c.location.lon)], { color: '#27ab83', weight: 3, dashArray: c.launch ? undefined : '6 6' }).addTo(overlay);
      L.marker(from, { icon: squareIcon('#27ab83', '★') })
        .bindTooltip(`${chosenStation.name} · van ETA ${minutes(vanEta(c))}`, { permanent: true, direction: 'bottom', offset: [0, 8], className: 'eta-label' })
        .addTo(overlay);
      points.push({ lat: chosenStation.lat, lon: chosenStation.lon });
    }
    L.marker(cmap.toLatLng(c.location.lat, c.location.lon), { icon: truckIcon(), zIndexOffset: 1000 }).bindTooltip(`Truck ${c.vin}`).addTo(overlay);
    if (!fitted) {
      cmap.fit(points, 10);
      fitted = true;
    }
  };

  const draw = async (c: RescueCase) => {
    current = c;
    const ids = [...new Set([...(c.candidates ?? []).map((x) => x.stationId), ...(c.offers ?? []).map((o) => o.stationId), ...(c.launch ? [c.launch.stationId] : [])])];
    const stations = new Map<string, Station>();
    await Promise.all(ids.slice(0, 40).map(async (sid) => {
      const s = await ctx.station(sid);
      if (s) stations.set(sid, s);
    }));
    const name = (sid: string) => stations.get(sid)?.name ?? sid;
    const launched = !['open', 'offered'].includes(c.status);

    render(head,
      h('h2', {}, `Case ${c.id}`), statusBadge(c.status), escalatedBadge(c),
      c.needsConfirmation ? h('span', { class: 'badge warn' }, 'needs confirmation') : null,
      h('span', { class: 'clocks' },
        launched ? h('span', { class: 'muted' }, `launched ${time(c.launch?.at)}`) : h('span', {}, 'launch in ', h('b', { class: 'countdown', 'data-deadline': c.launchDeadline })),
        OPEN_STATUSES.includes(c.status) ? h('span', {}, ' · repair in ', h('b', { class: 'countdown', 'data-deadline': c.repairDeadline })) : null,
      ),
    );

    const candidates = [...(c.candidates ?? [])].sort((a, b) => Number(b.kept) - Number(a.kept) || (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.etaMin - b.etaMin);
    render(body,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Vehicle'), h('dd', { class: 'mono' }, c.vin),
        h('dt', {}, 'Customer'), h('dd', {}, c.customerId),
        h('dt', {}, 'Reported'), h('dd', {}, `${time(c.reportedAt)} (${c.source})`),
        h('dt', {}, 'Location'), h('dd', {}, `${c.location.lat.toFixed(5)}, ${c.location.lon.toFixed(5)}`),
        c.description ? [h('dt', {}, 'Description'), h('dd', {}, c.description)] : null,
        c.contactPhone ? [h('dt', {}, 'Contact'), h('dd', {}, h('a', { href: `tel:${c.contactPhone}` }, c.contactPhone))] : null,
        c.systems?.length ? [h('dt', {}, 'Systems'), h('dd', {}, c.systems.join(', '))] : null,
        c.launch ? [h('dt', {}, 'Rescue'), h('dd', { 'data-testid': 'launch' }, `${name(c.launch.stationId)} · van ${c.launch.vanId ?? '–'} · ${c.launch.technician ?? '–'} · ETA ${minutes(vanEta(c))}`)] : null,
        c.escalationReason ? [h('dt', {}, 'Escalated'), h('dd', {}, `${time(c.escalatedAt)}: ${humanize(c.escalationReason)}`)] : null,
        c.partsDepots?.length ? [h('dt', {}, 'Parts'), h('dd', {}, c.partsDepots.map((p) => `${p.category} from ${p.depotId ?? '?'} (${minutes(p.etaMin)})`).join('; '))] : null,
      ),
      h('h3', {}, `Candidates (${candidates.length})`),
      candidates.length
        ? h('table', { class: 'table compact', 'data-testid': 'candidates' },
            h('thead', {}, h('tr', {}, ['#', 'Station', 'Distance', 'ETA', 'Decision'].map((t) => h('th', {}, t)))),
            h('tbody', {}, candidates.map((x) =>
              h('tr', { class: x.kept ? 'kept' : 'dropped', 'data-station-id': x.stationId },
                h('td', {}, x.rank ?? ''),
                h('td', {}, name(x.stationId), x.fixedPoint ? h('span', { class: 'badge fixed' }, 'fixed point') : null),
                h('td', {}, km(x.distanceKm)),
                h('td', {}, minutes(x.etaMin)),
                h('td', {}, `${x.kept ? 'kept' : 'dropped'}: ${humanize(x.reason)}`),
              ))))
        : h('p', { class: 'muted' }, 'No candidates evaluated yet.'),
      h('h3', {}, `Offers (${c.offers?.length ?? 0})`),
      c.offers?.length
        ? h('table', { class: 'table compact', 'data-testid': 'offers' },
            h('thead', {}, h('tr', {}, ['#', 'Station', 'Offered', 'ETA', 'Outcome'].map((t) => h('th', {}, t)))),
            h('tbody', {}, c.offers.map((o) =>
              h('tr', { 'data-outcome': o.outcome },
                h('td', {}, o.attempt),
                h('td', {}, name(o.stationId)),
                h('td', {}, time(o.offeredAt)),
                h('td', {}, minutes(o.etaMin)),
                h('td', {}, o.outcome === 'pending' ? ['pending, expires in ', h('span', { class: 'countdown', 'data-deadline': o.expiresAt })] : `${humanize(o.outcome)}${o.reason ? ` (${humanize(o.reason)})` : ''}`),
              ))))
        : h('p', { class: 'muted' }, 'No offers yet.'),
      h('h3', {}, 'Timeline'),
      h('ol', { class: 'timeline', 'data-testid': 'timeline' }, (c.timeline ?? []).map((t) =>
        h('li', {}, h('time', {}, time(t.at)), ' ', h('b', {}, humanize(t.event)),
          t.to ? ` → ${humanize(t.to)}` : '', t.actor ? h('span', { class: 'muted' }, ` by ${t.actor.name ?? `${t.actor.kind} ${t.actor.id}`}`) : ''))),
    );
    renderActions(actions, ctx, c, candidates.filter((x) => x.kept).map((x) => ({ id: x.stationId, name: name(x.stationId), etaMin: x.etaMin })), () => void load());
    await drawMap(c, stations);
  };

  const load = async () => {
    try {
      const c = await ctx.api.get<RescueCase>(`/v1/rescues/${encodeURIComponent(id)}`);
      await draw(c);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) el.dataset['notFound'] = 'true';
      render(body, errorBox(err));
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

type StationChoice = { id: string; name: string; etaMin: number };

function renderActions(el: HTMLElement, ctx: ViewContext, c: RescueCase, kept: StationChoice[], reload: () => void): void {
  const { role, stationId } = ctx.session.claims;
  const out: HTMLElement[] = [];
  const result = h('div', { class: 'action-result', role: 'status' });
  const submit = (path: string, build: (v: Record<string, string>) => unknown) => async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    try {
      await ctx.api.post(`/v1/rescues/${encodeURIComponent(c.id)}/${path}`, build(formValues(form)));
      render(result, h('div', { class: 'ok' }, `${humanize(path)}: done`));
      reload();
    } catch (err) {
      render(result, errorBox(err));
    } finally {
      if (button) button.disabled = false;
    }
  };
  const optionalNumber = (v: string | undefined) => (v ? Number(v) : undefined);
  const crew = (v: Record<string, string>) => ({
    ...(v['vanId'] ? { vanId: v['vanId'] } : {}),
    ...(v['technician'] ? { technician: v['technician'] } : {}),
    ...(v['etaMin'] ? { etaMin: optionalNumber(v['etaMin']) } : {}),
  });

  const pending = c.offers?.find((o) => o.outcome === 'pending');
  if (role === 'station' && pending && pending.stationId === stationId) {
    out.push(
      h('form', { class: 'card form', 'data-testid': 'accept-form', onsubmit: submit('accept', crew) },
        h('h3', {}, 'Accept this rescue'),
        h('label', {}, 'Van', h('input', { name: 'vanId', required: true, maxlength: 64, autocomplete: 'off' })),
        h('label', {}, 'Technician', h('input', { name: 'technician', required: true, maxlength: 200 })),
        h('label', {}, 'ETA (minutes)', h('input', { name: 'etaMin', type: 'number', min: 1, max: 1440, required: true, value: Math.round(pending.etaMin) })),
        h('button', { class: 'button primary big', type: 'submit' }, 'Accept'),
      ),
      h('form', {
        class: 'card form', 'data-testid': 'decline-form',
        onsubmit: submit('decline', (v) => ({
          reasonCode: v['reasonCode'],
          reason: v['note'] || (DECLINE_REASONS.find(([code]) => code === v['reasonCode'])?.[1] ?? 'declined'),
        })),
      },
        h('h3', {}, 'Decline'),
        h('label', {}, 'Reason', h('select', { name: 'reasonCode', required: true }, DECLINE_REASONS.map(([code, label]) => h('option', { value: code }, label)))),
        h('label', {}, 'Note (optional)', h('input', { name: 'note', maxlength: 500 })),
        h('button', { class: 'button danger big', type: 'submit' }, 'Decline'),
      ),
    );
  }
  if ((role === 'agent' || role === 'admin') && (c.status === 'open' || c.status === 'offered')) {
    const assign =
      h('form', { class: `card form${c.escalated ? ' highlight' : ''}`, 'data-testid': 'assign-form', onsubmit: submit('assign', (v) => ({ stationId: v['stationId'], ...crew(v) })) },
        c.escalated ? h('h3', {}, 'Escalated: assign a station by hand') : null,
        h('label', {}, 'Station',
          h('input', { name: 'stationId', list: `stations-${c.id}`, required: true, value: kept[0]?.id ?? '', autocomplete: 'off' }),
          h('datalist', { id: `stations-${c.id}` }, kept.map((s) => h('option', { value: s.id }, `${s.name} · ${minutes(s.etaMin)}`))),
        ),
        h('label', {}, 'Van', h('input', { name: 'vanId', maxlength: 64 })),
        h('label', {}, 'Technician', h('input', { name: 'technician', maxlength: 200 })),
        h('label', {}, 'ETA (minutes)', h('input', { name: 'etaMin', type: 'number', min: 1, max: 1440 })),
        h('button', { class: 'button primary', type: 'submit' }, 'Assign'),
      );
    // While the dispatcher is still working on a case, the manual form stays folded away.
    out.push(c.escalated ? assign : h('details', { class: 'fold' }, h('summary', {}, 'Assign a station by hand'), assign));
  }
  const runsIt = role === 'station' ? c.launch?.stationId === stationId : role === 'agent' || role === 'admin';
  const next = c.status === 'launched' ? ['on_site', 'resolved', 'towed'] : c.status === 'on_site' ? ['resolved', 'towed'] : [];
  if (runsIt && next.length) {
    out.push(
      h('div', { class: 'card form inline', 'data-testid': 'status-actions' },
        h('h3', {}, 'Progress'),
        next.map((status) =>
          h('form', { onsubmit: submit('status', () => ({ status })) },
            h('button', { class: 'button big', type: 'submit' }, status === 'on_site' ? 'Van on site' : status === 'resolved' ? 'Repaired' : 'Towed')))),
    );
  }
  if ((role === 'agent' || role === 'admin') && OPEN_STATUSES.includes(c.status)) {
    out.push(
      h('form', { class: 'card form inline', 'data-testid': 'cancel-form', onsubmit: submit('cancel', (v) => ({ reason: v['reason'] })) },
        h('label', {}, 'Cancel reason', h('input', { name: 'reason', required: true, maxlength: 500 })),
        h('button', { class: 'button danger', type: 'submit' }, 'Cancel case'),
      ),
    );
  }
  render(el, out.length ? [...out, result] : null);
}
