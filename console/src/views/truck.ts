// A truck's page: live state, active faults with their meaning, the last 24 h track (downsampled by
// InfluxDB), open and past cases, and who serves it where it is now (fixed-point station and advisor for
// that region, with phone numbers), what maintenance is due (with the model's plan) and, on demand, the
// service history, with a link to book a service for what is due. Five requests: the vehicle, its track, its
// cases, its maintenance, its customer.
import * as L from 'leaflet';
import { itemsOf } from '../api.ts';
import { keepFresh, throttle, type View } from '../context.ts';
import { h, render } from '../dom.ts';
import { km, kmh, minutes, time } from '../fmt.ts';
import { t, tCode } from '../i18n.ts';
import { createMap, squareIcon, truckIcon } from '../map.ts';
import { fleetTruckState, OPEN_STATUSES, type Customer, type Dtc, type RescueCase } from '../model.ts';
import { bookingHref, BOOKING_ROLES } from './book-service.ts';
import { caseLink, empty, errorBox, loading, phoneLink, statusBadge, truckStateLabel, viewHead } from './common.ts';
import { faultRows } from './faults.ts';
import { dueBadge, dueTable, itemNames, type MaintenancePlan, type VehicleDue } from './maintenance-due.ts';

interface ServiceRecord {
  id: string;
  atMs: number;
  odometerKm: number;
  engineHours?: number;
  items: string[];
  stationId?: string;
  source: string;
  caseId?: string;
  note?: string;
}

interface VehicleDetail {
  vehicle: { vin: string; customerId: string; plate?: string; model?: string; homeRegion?: string };
  live: null | { ts?: number; lat?: number; lon?: number; speedKmh?: number; heading?: number; status?: string; severity: string; dtcs: Dtc[]; lastSeen?: number; fuelPct?: number; odometerKm?: number; lamps?: Record<string, boolean> };
  servedBy: {
    region: { code: string; name: string } | null;
    basis: string;
    station: { id: string; name: string; phone?: string; lat: number; lon: number; etaMin?: number } | null;
    advisor: { id: string; name: string; phone?: string; email?: string } | null;
  };
}

interface Track {
  stepS: number;
  points: Array<{ t: number; lat: number; lon: number; speedKmh: number | null }>;
}

export const truckView: View = (el, ctx, params) => {
  const vin = params['vin'] ?? '';
  const head = viewHead(t('truck.title', { name: vin }));
  const mapEl = h('div', { class: 'map', 'data-testid': 'truck-map', role: 'region', 'aria-label': t('truck.map') });
  const body = h('div', { 'data-testid': 'truck-body' }, loading());
  render(el, h('section', { class: 'panel' }, head, h('div', { class: 'split' }, h('div', { class: 'split-map' }, mapEl), h('div', { class: 'split-side' }, body))));
  const cmap = createMap(mapEl, ctx.settings);
  const overlay = L.layerGroup().addTo(cmap.map);
  let fitted = false;

  const load = async () => {
    try {
      const enc = encodeURIComponent(vin);
      const [detail, track, caseList, maintenance] = await Promise.all([
        ctx.api.get<VehicleDetail>(`/v1/vehicles/${enc}`),
        ctx.api.get<Track>(`/v1/vehicles/${enc}/track`).catch(() => undefined),
        ctx.api.get('/v1/rescues', { vin, limit: 50 }),
        ctx.api.get<{ plan: MaintenancePlan | null; due: VehicleDue }>(`/v1/vehicles/${enc}/maintenance`).then((m) => ({ m, error: undefined }), (error: unknown) => ({ m: undefined, error })),
      ]);
      const customer = await ctx.api.get<Customer>(`/v1/customers/${encodeURIComponent(detail.vehicle.customerId)}`).catch(() => undefined);
      const cases = itemsOf<RescueCase>(caseList).sort((a, b) => Date.parse(b.reportedAt) - Date.parse(a.reportedAt));
      const open = cases.filter((c) => OPEN_STATUSES.includes(c.status));
      const { vehicle, live, servedBy } = detail;
      const name = vehicle.plate ?? vehicle.vin;
      const state = fleetTruckState({ vin, customerId: vehicle.customerId, severity: live?.severity ?? 'none', ...(live?.lat !== undefined ? { lat: live.lat } : {}), ...(live?.lon !== undefined ? { lon: live.lon } : {}), ...(live?.speedKmh !== undefined ? { speed: live.speedKmh } : {}), ...(live?.status ? { status: live.status } : {}) }, open.length > 0);
      render(head, h('h1', {}, t('truck.title', { name })), h('span', { class: `badge state-${state}` }, truckStateLabel(state)));
      render(body,
        h('dl', { class: 'facts' },
          h('dt', {}, t('col.plate')), h('dd', { 'data-testid': 'plate' }, vehicle.plate ?? '–'),
          h('dt', {}, 'VIN'), h('dd', { class: 'mono' }, vehicle.vin),
          h('dt', {}, t('col.customer')), h('dd', {}, customer?.name ?? t('case.unknownCustomer')),
          vehicle.model ? [h('dt', {}, t('col.model')), h('dd', {}, vehicle.model)] : null,
          h('dt', {}, t('col.lastSeen')), h('dd', {}, live ? time(live.lastSeen ?? live.ts) : t('truck.neverReported')),
          live ? [h('dt', {}, t('col.speed')), h('dd', {}, kmh(live.speedKmh))] : null,
          live?.fuelPct !== undefined ? [h('dt', {}, t('col.fuel')), h('dd', {}, `${Math.round(live.fuelPct)} %`)] : null,
          h('dt', {}, t('col.region')), h('dd', {}, servedBy.region?.name ?? '–'),
        ),
        h('h2', {}, t('truck.servedBy')),
        h('div', { class: 'card', 'data-testid': 'served-by' },
          servedBy.station
            ? h('p', {}, h('b', {}, t('truck.fixedPoint')), ' ', servedBy.station.name, ' · ', phoneLink(servedBy.station.phone),
                servedBy.station.etaMin !== undefined ? h('span', { class: 'muted' }, ` · ${t('truck.vanEta', { eta: minutes(servedBy.station.etaMin) })}`) : null)
            : h('p', { class: 'muted' }, t('truck.noFixedPoint')),
          servedBy.advisor
            ? h('p', {}, h('b', {}, t('truck.advisor')), ' ', servedBy.advisor.name, ' · ', phoneLink(servedBy.advisor.phone))
            : h('p', { class: 'muted' }, t('truck.noAdvisor')),
          h('p', { class: 'muted' }, tCode('basis', servedBy.basis))),
        h('h2', {}, t('truck.faults')),
        live?.dtcs.length ? faultRows(live.dtcs) : empty(t('truck.noFaults')),
        h('h2', {}, t('truck.cases')),
        cases.length
          ? h('table', { class: 'table compact', 'data-testid': 'truck-cases' },
              h('thead', {}, h('tr', {}, [t('col.case'), t('col.status'), t('col.reported')].map((x) => h('th', {}, x)))),
              h('tbody', {}, cases.map((c) => h('tr', {}, h('td', {}, caseLink(c)), h('td', {}, statusBadge(c.status)), h('td', {}, time(c.reportedAt))))))
          : empty(t('truck.noCases')),
        h('h2', {}, t('maint.dueTitle'), maintenance.m ? [' ', dueBadge(maintenance.m.due.status)] : null),
        maintenance.m
          ? maintenance.m.due.items.length ? dueTable(maintenance.m.due, (itemName = itemNames(maintenance.m.plan ? [maintenance.m.plan] : []))) : empty(t('maint.noPlan'))
          : errorBox(maintenance.error),
        maintenance.m?.plan && (BOOKING_ROLES as readonly string[]).includes(ctx.session.claims.role)
          ? h('a', { class: 'button', 'data-testid': 'book-link', href: bookingHref(vin, { items: maintenance.m.due.items.filter((i) => i.status !== 'ok' && i.itemId !== 'warranty').map((i) => i.itemId) }) }, t('book.action'))
          : null,
        serviceHistory(),
        h('p', { class: 'muted' }, track ? t('truck.trackNote', { n: track.points.length, step: track.stepS }) : t('truck.trackUnavailable')),
        ctx.session.claims.role !== 'station' ? h('a', { class: 'button primary', href: `#/launch?vin=${encodeURIComponent(vin)}` }, t('nav.launch')) : null,
      );
      mapEl.dataset['trackPoints'] = String(track?.points.length ?? 0);
      overlay.clearLayers();
      const pts: Array<{ lat: number; lon: number }> = [];
      if (track?.points.length) {
        L.polyline(track.points.map((p) => cmap.toLatLng(p.lat, p.lon)), { color: '#1f6fb2', weight: 3, opacity: 0.8 }).addTo(overlay);
        pts.push(...track.points);
      }
      if (servedBy.station) {
        const m = L.marker(cmap.toLatLng(servedBy.station.lat, servedBy.station.lon), { icon: squareIcon('#6b3fa0', '★'), title: servedBy.station.name, alt: servedBy.station.name }).addTo(overlay);
        m.getElement()?.setAttribute('aria-label', `${t('truck.fixedPoint')} ${servedBy.station.name}`);
        pts.push(servedBy.station);
      }
      if (live?.lat !== undefined && live.lon !== undefined) {
        const m = L.marker(cmap.toLatLng(live.lat, live.lon), { icon: truckIcon(), zIndexOffset: 1000, title: name, alt: name }).addTo(overlay);
        m.getElement()?.setAttribute('aria-label', name);
        pts.push({ lat: live.lat, lon: live.lon });
      }
      if (!fitted) {
        fitted = true;
        cmap.fit(pts, 11);
      }
    } catch (err) {
      render(body, errorBox(err, () => void load()));
    }
  };
  /** Plan item id → its name in the console's language, from the truck's plan once the page has loaded it. */
  let itemName: (id: string) => string = (id) => id;
  /** The service history, read when someone opens it (the page stays within its request budget). */
  const serviceHistory = (): HTMLElement => {
    const box = h('div', { 'data-testid': 'service-history' });
    const fold = h('details', { class: 'fold', ontoggle: () => {
      if (!fold.open || box.childElementCount) return;
      render(box, loading());
      void Promise.all([
        ctx.api.get<ServiceRecord[]>(`/v1/vehicles/${encodeURIComponent(vin)}/services`),
        ctx.directory.stations().catch(() => new Map()),
      ]).then(([records, stations]) => render(box, records.length
        ? h('table', { class: 'table compact' },
            h('thead', {}, h('tr', {}, [t('maint.serviceDate'), t('maint.odometer'), t('maint.items'), t('col.station')].map((x) => h('th', {}, x)))),
            h('tbody', {}, records.map((r) => h('tr', { 'data-service-id': r.id },
              h('td', {}, time(r.atMs)),
              h('td', {}, km(r.odometerKm)),
              h('td', {}, r.items.map((id) => itemName(id)).join('、'), r.note ? h('span', { class: 'note' }, ` · ${r.note}`) : null),
              h('td', {}, r.stationId ? stations.get(r.stationId)?.name ?? t('case.unknownStation') : tCode('serviceSource', r.source), r.caseId ? [' · ', caseLink({ id: r.caseId }, t('complaints.case'))] : null)))))
        : empty(t('maint.noServices'))), (err: unknown) => render(box, errorBox(err)));
    } }, h('summary', {}, t('maint.history')), box);
    return fold;
  };
  void load();
  const stop = keepFresh(ctx, el, () => void load(), { matches: (e) => e.vin === vin && (e.type.startsWith('rescue.') || e.type === 'vehicle.fault' || e.type === 'maintenance.appointment.completed'), limit: (fn) => throttle(fn, 3000) });
  return () => {
    stop();
    cmap.destroy();
  };
};
