// The live fleet map (advisors: their customers' trucks; customers: their own): trucks coloured by state
// (moving, stopped, offline, amber fault, broken down), the active faults with severity and the serving
// fixed-point station, and the open cases with their SLA clocks. Positions move with the live stream.
import * as L from 'leaflet';
import { debounce, throttle, type View } from '../context.ts';
import { h, render } from '../dom.ts';
import { startCountdowns, time } from '../fmt.ts';
import { createMap } from '../map.ts';
import { OPEN_STATUSES, TRUCK_STATE_LABEL, truckState, type RescueCase, type TruckState, type VehicleView } from '../model.ts';
import { caseLink, errorBox, escalatedBadge, statusBadge, TRUCK_COLORS, truckLegend } from './common.ts';
import { loadFleet } from './fleet-data.ts';
import { loadOpenCases } from './queue.ts';

export const fleetView: View = (el, ctx) => {
  const mapEl = h('div', { class: 'map', 'data-testid': 'fleet-map' });
  const legend = h('div', {}, truckLegend());
  const faults = h('div', { 'data-testid': 'faults' }, h('p', { class: 'muted' }, 'Loading…'));
  const cases = h('div', { 'data-testid': 'open-cases' });
  const trucks = h('div', { 'data-testid': 'trucks' });
  render(el, h('section', { class: 'panel' },
    h('header', { class: 'panel-head' }, h('h2', {}, ctx.session.claims.role === 'customer' ? 'My fleet' : 'Fleet'), legend),
    h('div', { class: 'split' }, h('div', { class: 'split-map' }, mapEl),
      h('div', { class: 'split-side' }, h('h3', {}, 'Open cases'), cases, h('h3', {}, 'Active faults'), faults,
        h('details', { class: 'fold' }, h('summary', {}, 'All trucks'), trucks)))));

  const cmap = createMap(mapEl, ctx.settings);
  const layer = L.layerGroup().addTo(cmap.map);
  const markers = new Map<string, L.CircleMarker>();
  const fleet = new Map<string, VehicleView>();
  let openCases: RescueCase[] = [];

  const stateOf = (v: VehicleView): TruckState => truckState(v.live, openCases.some((c) => c.vin === v.vehicle.vin && OPEN_STATUSES.includes(c.status)));

  const placeMarker = (v: VehicleView) => {
    const { lat, lon } = v.live;
    if (lat === undefined || lon === undefined) return;
    const state = stateOf(v);
    let m = markers.get(v.vehicle.vin);
    if (!m) {
      m = L.circleMarker(cmap.toLatLng(lat, lon), { radius: 6, weight: 1, color: '#1f2933', fillOpacity: 0.95 }).addTo(layer);
      markers.set(v.vehicle.vin, m);
    } else {
      m.setLatLng(cmap.toLatLng(lat, lon));
    }
    m.setStyle({ fillColor: TRUCK_COLORS[state] });
    m.bindTooltip(`${v.vehicle.plate ?? v.vehicle.vin} · ${TRUCK_STATE_LABEL[state]}${v.live.speedKmh !== undefined ? ` · ${Math.round(v.live.speedKmh)} km/h` : ''}`);
  };

  const drawLists = () => {
    const counts: Partial<Record<TruckState, number>> = {};
    for (const v of fleet.values()) counts[stateOf(v)] = (counts[stateOf(v)] ?? 0) + 1;
    render(legend, truckLegend(counts));
    mapEl.dataset['trucks'] = String(markers.size);

    const faulty = [...fleet.values()].filter((v) => v.live.severity && v.live.severity !== 'none')
      .sort((a, b) => severityRank(a.live.severity) - severityRank(b.live.severity));
    render(faults, faulty.length
      ? h('table', { class: 'table compact' },
          h('thead', {}, h('tr', {}, ['Truck', 'Severity', 'Codes', 'Serving station'].map((t) => h('th', {}, t)))),
          h('tbody', {}, faulty.map((v) => h('tr', { 'data-vin': v.vehicle.vin },
            h('td', { class: 'mono' }, v.vehicle.plate ?? v.vehicle.vin),
            h('td', {}, h('span', { class: `badge sev-${v.live.severity}` }, v.live.severity ?? '')),
            h('td', { class: 'mono' }, (v.live.dtcs ?? []).map((d) => `${d.spn}/${d.fmi}`).join(' ') || '–'),
            h('td', {}, v.servedBy?.stationName ?? v.servedBy?.stationId ?? '–')))))
      : h('p', { class: 'empty' }, 'No active faults.'));

    render(trucks, h('table', { class: 'table compact' },
      h('thead', {}, h('tr', {}, ['Truck', 'State', 'Speed', 'Last position'].map((t) => h('th', {}, t)))),
      h('tbody', {}, [...fleet.values()].map((v) => h('tr', { 'data-vin': v.vehicle.vin, 'data-state': stateOf(v) },
        h('td', { class: 'mono' }, v.vehicle.plate ?? v.vehicle.vin),
        h('td', {}, TRUCK_STATE_LABEL[stateOf(v)]),
        h('td', { class: 'speed' }, v.live.speedKmh !== undefined ? `${Math.round(v.live.speedKmh)} km/h` : '–'),
        h('td', {}, time(v.live.ts)))))));

    const open = openCases.filter((c) => OPEN_STATUSES.includes(c.status)).sort((a, b) => Date.parse(a.launchDeadline) - Date.parse(b.launchDeadline));
    render(cases, open.length
      ? h('table', { class: 'table compact' },
          h('thead', {}, h('tr', {}, ['Case', 'Status', 'Truck', 'Launch', 'Repair'].map((t) => h('th', {}, t)))),
          h('tbody', {}, open.map((c) => h('tr', { 'data-case-id': c.id },
            h('td', {}, caseLink(c)),
            h('td', {}, statusBadge(c.status), escalatedBadge(c)),
            h('td', { class: 'mono' }, fleet.get(c.vin)?.vehicle.plate ?? c.vin),
            h('td', {}, ['open', 'offered'].includes(c.status) ? h('span', { class: 'countdown', 'data-deadline': c.launchDeadline }) : `launched ${time(c.launch?.at)}`),
            h('td', {}, h('span', { class: 'countdown', 'data-deadline': c.repairDeadline }))))))
      : h('p', { class: 'empty' }, 'No open cases.'));
  };

  const loadCases = async () => {
    try {
      openCases = await loadOpenCases(ctx);
      for (const v of fleet.values()) placeMarker(v);
      drawLists();
    } catch (err) {
      render(cases, errorBox(err));
    }
  };

  void (async () => {
    try {
      const views = await loadFleet(ctx);
      for (const v of views) fleet.set(v.vehicle.vin, v);
      await loadCases();
      for (const v of views) placeMarker(v);
      drawLists();
      cmap.fit(views.flatMap((v) => (v.live.lat !== undefined && v.live.lon !== undefined ? [{ lat: v.live.lat, lon: v.live.lon }] : [])), 9);
    } catch (err) {
      render(faults, errorBox(err));
    }
  })();

  const redrawLists = debounce(drawLists, 300);
  const reloadCases = throttle(() => void loadCases(), 2000);
  const unsubscribe = ctx.live.subscribe((e) => {
    if (e.type.startsWith('rescue.')) return reloadCases();
    const v = e.vin ? fleet.get(e.vin) : undefined;
    if (!v) return;
    const d = e.data;
    const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
    if (e.type === 'vehicle.position') {
      const lat = n(d['lat']);
      const lon = n(d['lon']);
      if (lat !== undefined && lon !== undefined) v.live = { ...v.live, lat, lon };
      const speed = n(d['speedKmh']);
      if (speed !== undefined) v.live.speedKmh = speed;
      const ts = n(d['ts']);
      if (ts !== undefined) v.live.ts = ts;
    } else if (e.type === 'vehicle.status' && typeof d['status'] === 'string') {
      v.live = { ...v.live, status: d['status'] };
    } else if (e.type === 'vehicle.fault') {
      if (typeof d['severity'] === 'string') v.live = { ...v.live, severity: d['severity'] };
      const dtcs = Array.isArray(d['dtcs']) ? d['dtcs'] : Array.isArray(d['active']) ? d['active'] : undefined;
      if (dtcs) v.live.dtcs = dtcs as VehicleView['live']['dtcs'];
    }
    placeMarker(v);
    redrawLists();
  });
  const stopClocks = startCountdowns(el);
  return () => {
    unsubscribe();
    redrawLists.cancel();
    reloadCases.cancel();
    stopClocks();
    cmap.destroy();
  };
};

function severityRank(s: string | undefined): number {
  return ['critical', 'warning', 'emissions', 'info'].indexOf(s ?? '') + 1 || 9;
}
