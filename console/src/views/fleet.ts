// The fleet map: every truck the caller may see from one `GET /v1/fleet/live`, clustered with supercluster
// (thousands of markers stay fast and readable), coloured by state, each marker named for screen
// readers; truck search by VIN or plate; open cases and trucks with active faults beside it. Positions
// and states move with the live stream; the snapshot is shared with the other views (directory.ts).
import * as L from 'leaflet';
import Supercluster from 'supercluster';
import { throttle, type View } from '../context.ts';
import { h, render } from '../dom.ts';
import { startCountdowns, kmh, time } from '../fmt.ts';
import { formatNumber, t, tCode } from '../i18n.ts';
import { createMap } from '../map.ts';
import { fleetTruckState, OPEN_STATUSES, type FleetOpenCase, type FleetPage, type FleetTruck, type TruckState } from '../model.ts';
import { empty, errorBox, escalatedBadge, loading, statusBadge, TRUCK_COLORS, truckLegend, truckLink, truckStateLabel, viewHead } from './common.ts';
import { truckSearch } from './truck-search.ts';

type PointProps = { vin: string; state: TruckState };
const URGENCY: Record<TruckState, number> = { broken_down: 2, amber_fault: 1, offline: 0, moving: 0, stopped: 0, unknown: 0 };

export const fleetView: View = (el, ctx) => {
  const mapEl = h('div', { class: 'map', 'data-testid': 'fleet-map', role: 'region', 'aria-label': t('fleet.map') });
  const legend = h('div', {}, truckLegend());
  const summary = h('p', { class: 'muted', 'data-testid': 'fleet-summary' });
  const faults = h('div', { 'data-testid': 'faults' }, loading());
  const cases = h('div', { 'data-testid': 'open-cases' }, loading());
  const banner = h('div', {});
  render(el, h('section', { class: 'panel' },
    viewHead(ctx.session.claims.role === 'customer' ? t('fleet.titleOwn') : t('fleet.title'), truckSearch(ctx), legend),
    banner,
    h('div', { class: 'split' }, h('div', { class: 'split-map' }, mapEl),
      h('div', { class: 'split-side' }, summary, h('h2', {}, t('fleet.openCases')), cases, h('h2', {}, t('fleet.faults')), faults))));

  const cmap = createMap(mapEl, ctx.settings);
  const layer = L.layerGroup().addTo(cmap.map);
  let page: FleetPage | undefined;
  const byVin = new Map<string, FleetTruck>();
  const customerName = new Map<string, string>();
  let openByVin = new Map<string, FleetOpenCase>();
  // Each cluster carries the most urgent state inside it (map/reduce), for its colour.
  const index = new Supercluster<PointProps, { urgent: number }>({
    radius: 60, maxZoom: 14, minPoints: 3,
    map: (p) => ({ urgent: URGENCY[p.state] }),
    reduce: (acc, p) => {
      acc.urgent = Math.max(acc.urgent, p.urgent);
    },
  });
  let fitted = false;
  let painted = false;

  const stateOf = (tr: FleetTruck) => fleetTruckState(tr, openByVin.has(tr.vin));
  const label = (tr: FleetTruck) => {
    const state = stateOf(tr);
    return `${tr.plate ?? tr.vin} · ${truckStateLabel(state)}${state === 'moving' ? ` · ${kmh(tr.speed)}` : ''}`;
  };

  const buildIndex = () => {
    const points: Array<Supercluster.PointFeature<PointProps>> = [];
    for (const tr of byVin.values()) {
      if (tr.lat === undefined || tr.lon === undefined) continue;
      const ll = cmap.toLatLng(tr.lat, tr.lon);
      points.push({ type: 'Feature', properties: { vin: tr.vin, state: stateOf(tr) }, geometry: { type: 'Point', coordinates: [ll.lng, ll.lat] } });
    }
    index.load(points);
    mapEl.dataset['trucks'] = String(points.length);
    drawMarkers();
  };

  const drawMarkers = () => {
    const b = cmap.map.getBounds();
    const zoom = Math.round(cmap.map.getZoom());
    const clusters = index.getClusters([Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()), Math.min(180, b.getEast()), Math.min(85, b.getNorth())], zoom);
    layer.clearLayers();
    let shown = 0;
    for (const c of clusters) {
      const [lng, lat] = c.geometry.coordinates as [number, number];
      const p = c.properties as (Supercluster.ClusterProperties & { urgent: number }) | PointProps;
      if ('cluster' in p && p.cluster) {
        shown += p.point_count;
        const leaves = p.point_count;
        const size = leaves < 100 ? 34 : leaves < 1000 ? 42 : 50;
        const worst = p.urgent >= 2 ? 'broken_down' : p.urgent === 1 ? 'amber_fault' : 'ok';
        const name = t('fleet.cluster', { n: leaves });
        const m = L.marker([lat, lng], {
          icon: L.divIcon({ className: `map-cluster worst-${worst}`, html: `<span>${p.point_count_abbreviated}</span>`, iconSize: [size, size] }),
          title: name,
          alt: name,
          keyboard: true,
        }).on('click keypress', () => {
          cmap.map.setView([lat, lng], Math.min(index.getClusterExpansionZoom(c.id as number), 16), { animate: false });
        });
        m.addTo(layer);
        m.getElement()?.setAttribute('aria-label', name);
      } else {
        shown += 1;
        const tr = byVin.get((p as PointProps).vin);
        if (!tr) continue;
        const state = stateOf(tr);
        const name = label(tr);
        const m = L.marker([lat, lng], {
          icon: L.divIcon({ className: 'map-dot', html: `<span style="background:${TRUCK_COLORS[state]}"></span>`, iconSize: [16, 16] }),
          title: name,
          alt: name,
          keyboard: true,
        }).bindPopup(() => popup(tr));
        m.addTo(layer);
        const icon = m.getElement();
        icon?.setAttribute('aria-label', name);
        icon?.setAttribute('data-vin', tr.vin);
      }
    }
    mapEl.dataset['shown'] = String(shown);
  };

  const popup = (tr: FleetTruck) => h('div', { class: 'popup' },
    h('b', {}, tr.plate ?? tr.vin), h('br'),
    customerName.get(tr.customerId) ?? '', h('br'),
    `${truckStateLabel(stateOf(tr))} · ${kmh(tr.speed)}`, h('br'),
    t('fleet.lastSeen', { at: time(tr.lastSeen ?? tr.ts) }), h('br'),
    truckLink(tr.vin, t('fleet.openTruck')));

  const drawLists = () => {
    const counts: Partial<Record<TruckState, number>> = {};
    for (const tr of byVin.values()) {
      const s = stateOf(tr);
      counts[s] = (counts[s] ?? 0) + 1;
    }
    render(legend, truckLegend(counts));
    const located = [...byVin.values()].filter((tr) => tr.lat !== undefined).length;
    summary.textContent = t('fleet.summary', { total: formatNumber(byVin.size), located: formatNumber(located) });

    const open = [...openByVin.values()].filter((c) => OPEN_STATUSES.includes(c.status))
      .sort((a, b) => Number(b.escalated) - Number(a.escalated) || Date.parse(a.launchDeadline) - Date.parse(b.launchDeadline));
    render(cases, open.length
      ? h('table', { class: 'table compact' },
          h('thead', {}, h('tr', {}, [t('col.truck'), t('col.customer'), t('col.status'), t('col.launchIn')].map((x) => h('th', {}, x)))),
          h('tbody', {}, open.map((c) => h('tr', { 'data-case-id': c.id },
            h('td', {}, h('a', { href: `#/cases/${encodeURIComponent(c.id)}` }, byVin.get(c.vin)?.plate ?? c.vin)),
            h('td', {}, customerName.get(c.customerId) ?? t('case.unknownCustomer')),
            h('td', {}, statusBadge(c.status), ' ', escalatedBadge(c)),
            h('td', {}, ['open', 'offered'].includes(c.status) ? h('span', { class: 'countdown', 'data-deadline': c.launchDeadline }) : t('case.launchedShort'))))))
      : empty(t('fleet.noOpenCases')));

    const faulty = [...byVin.values()].filter((tr) => tr.severity && tr.severity !== 'none' && tr.severity !== 'info')
      .sort((a, b) => severityRank(a.severity) - severityRank(b.severity)).slice(0, 200);
    render(faults, faulty.length
      ? h('table', { class: 'table compact' },
          h('thead', {}, h('tr', {}, [t('col.truck'), t('col.customer'), t('col.severity')].map((x) => h('th', {}, x)))),
          h('tbody', {}, faulty.map((tr) => h('tr', { 'data-vin': tr.vin },
            h('td', {}, truckLink(tr.vin, tr.plate ?? tr.vin)),
            h('td', {}, customerName.get(tr.customerId) ?? ''),
            h('td', {}, h('span', { class: `badge sev-${tr.severity}` }, tCode('severity', tr.severity)))))))
      : empty(t('fleet.noFaults')));
  };

  const apply = (p: FleetPage) => {
    page = p;
    byVin.clear();
    for (const tr of p.items) byVin.set(tr.vin, tr);
    for (const c of p.customers ?? []) customerName.set(c.id, c.name);
    openByVin = new Map((p.openCases ?? []).map((c) => [c.vin, c]));
    // The index first: fitting the map redraws the markers from it.
    buildIndex();
    if (!fitted) {
      fitted = true;
      const pts = p.items.flatMap((tr) => (tr.lat !== undefined && tr.lon !== undefined ? [{ lat: tr.lat, lon: tr.lon }] : []));
      if (pts.length && pts.length < 2000) cmap.fit(pts, 11);
    }
    if (painted) {
      drawLists();
      return;
    }
    // The first time, the map is painted before the side lists are built (10,000 trucks: the lists cost
    // as much as the clusters); `data-ready` says both are there.
    painted = true;
    requestAnimationFrame(() => {
      // Real-user timing: navigation start → every truck drawn (read by bench/console.ts).
      performance.mark('fleet:first-paint');
      setTimeout(() => {
        drawLists();
        mapEl.dataset['ready'] = 'true';
      });
    });
  };

  const load = async (force = false) => {
    try {
      apply(await ctx.directory.fleet(force));
      render(banner);
    } catch (err) {
      render(banner, errorBox(err, () => void load(true)));
      if (!page) {
        render(cases);
        render(faults);
      }
    }
  };
  void load();

  cmap.map.on('moveend zoomend', drawMarkers);
  const rebuild = throttle(() => {
    buildIndex();
    drawLists();
  }, 2000);
  const reloadCases = throttle(() => void load(true), 5000);
  const unsubscribe = ctx.live.subscribe((e) => {
    if (e.type.startsWith('rescue.')) return reloadCases();
    const tr = e.vin ? byVin.get(e.vin) : undefined;
    if (!tr) return;
    const d = e.data;
    const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
    if (e.type === 'vehicle.position') {
      const lat = n(d['lat']);
      const lon = n(d['lon']);
      if (lat !== undefined && lon !== undefined) {
        tr.lat = lat;
        tr.lon = lon;
      }
      const speed = n(d['speedKmh']);
      if (speed !== undefined) tr.speed = speed;
      const ts = n(d['ts']);
      if (ts !== undefined) tr.ts = ts;
      tr.lastSeen = Date.now();
    } else if (e.type === 'vehicle.status' && typeof d['status'] === 'string') {
      tr.status = d['status'];
    } else if (e.type === 'vehicle.fault' && typeof d['severity'] === 'string') {
      tr.severity = d['severity'];
    } else return;
    rebuild();
  });
  const stopClocks = startCountdowns(el);
  return () => {
    unsubscribe();
    rebuild.cancel();
    reloadCases.cancel();
    stopClocks();
    cmap.destroy();
  };
};

function severityRank(s: string | undefined): number {
  return ['critical', 'warning', 'emissions', 'info'].indexOf(s ?? '') + 1 || 9;
}
