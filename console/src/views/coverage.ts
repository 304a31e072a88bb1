// A customer's route coverage: covered and uncovered stretches of the roads its trucks drove, the
// stations, the gaps ranked by exposure, and its fixed-point stations and advisors per region
// (`GET /v1/customers/{id}/coverage`, `?format=geojson`, `GET /v1/customers/{id}/assignments`).
import * as L from 'leaflet';
import type { Feature, FeatureCollection } from 'geojson';
import { itemsOf } from '../api.ts';
import type { View } from '../context.ts';
import { formValues, h, render } from '../dom.ts';
import { km, minutes, pct } from '../fmt.ts';
import { createMap, squareIcon } from '../map.ts';
import { errorBox } from './common.ts';

type Json = Record<string, unknown>;

const COVERED = '#27ab83';
const UNCOVERED = '#d64545';

/** Whether a line feature is a covered stretch (the API marks it with `covered` or `kind`/`status`). */
export function isCovered(props: Json | null | undefined): boolean {
  if (!props) return false;
  if (typeof props['covered'] === 'boolean') return props['covered'];
  const kind = props['kind'] ?? props['status'] ?? props['type'];
  return kind === 'covered';
}

function n(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A share reported as a fraction (0..1) or a percentage (0..100). */
function share(v: unknown): string {
  const x = n(v);
  if (x === undefined) return '–';
  return pct(x > 1 ? x / 100 : x);
}

function pickShare(report: Json, ...paths: string[][]): unknown {
  for (const path of paths) {
    let cur: unknown = report;
    for (const k of path) cur = cur && typeof cur === 'object' ? (cur as Json)[k] : undefined;
    if (cur !== undefined) return cur;
  }
  return undefined;
}

export const coverageView: View = (el, ctx, params) => {
  const { role, customerId: own } = ctx.session.claims;
  const customerId = role === 'customer' ? own ?? '' : params['customerId'] ?? '';
  const mapEl = h('div', { class: 'map', 'data-testid': 'coverage-map' });
  const summary = h('div', { 'data-testid': 'coverage-summary' }, h('p', { class: 'muted' }, customerId ? 'Loading…' : 'Choose a customer.'));
  const gaps = h('div', { 'data-testid': 'gaps' });
  const fixedPoints = h('div', { 'data-testid': 'fixed-points' });
  const picker = role === 'customer' ? null : h('form', { class: 'form inline', onsubmit: (e: Event) => {
    e.preventDefault();
    const id = formValues(e.currentTarget as HTMLFormElement)['customerId'];
    if (id) ctx.navigate(`#/coverage/${encodeURIComponent(id)}`);
  } }, h('label', {}, 'Customer', h('input', { name: 'customerId', value: customerId, required: true, list: 'coverage-customers', pattern: '[A-Za-z0-9_\\-]{1,64}', autocomplete: 'off' })),
    h('datalist', { id: 'coverage-customers' }), h('button', { class: 'button', type: 'submit' }, 'Show'));
  if (picker) {
    // The customers the caller may see (the API scopes the list: an advisor gets its own customers).
    void ctx.api.get('/v1/customers', { limit: 1000 }).then((answer) => {
      const list = picker.querySelector('datalist')!;
      render(list, itemsOf<Json>(answer).map((c) => h('option', { value: String(c['id']) }, String(c['name'] ?? ''))));
    }).catch(() => undefined);
  }

  render(el, h('section', { class: 'panel' },
    h('header', { class: 'panel-head' }, h('h2', {}, `Coverage${customerId ? ` · ${customerId}` : ''}`), picker,
      h('ul', { class: 'legend' }, h('li', {}, h('i', { style: `background:${COVERED}` }), 'covered'), h('li', {}, h('i', { style: `background:${UNCOVERED}` }), 'uncovered'),
        h('li', {}, h('i', { style: 'background:#2680c2' }), 'station'), h('li', {}, h('i', { style: 'background:#8e44ad' }), 'fixed point'), h('li', {}, h('i', { class: 'sq', style: `background:${UNCOVERED}` }), 'gap'))),
    h('div', { class: 'split' }, h('div', { class: 'split-map' }, mapEl), h('div', { class: 'split-side' }, summary, h('h3', {}, 'Fixed points and advisors'), fixedPoints, h('h3', {}, 'Gaps'), gaps))));

  const cmap = createMap(mapEl, ctx.settings);
  if (!customerId) return () => cmap.destroy();
  const base = `/v1/customers/${encodeURIComponent(customerId)}`;

  void (async () => {
    try {
      const [geo, report] = await Promise.all([
        ctx.api.get<FeatureCollection>(`${base}/coverage`, { format: 'geojson' }),
        ctx.api.get<Json>(`${base}/coverage`),
      ]);
      const layer = L.geoJSON(geo, {
        coordsToLatLng: (c) => cmap.toLatLng(c[1]!, c[0]!),
        // Leaflet styles point markers with this too: keep their outline dark.
        style: (f?: Feature) => (f?.geometry?.type === 'Point'
          ? { color: '#1f2933', weight: 1 }
          : { color: isCovered(f?.properties) ? COVERED : UNCOVERED, weight: 4, opacity: 0.9 }),
        pointToLayer: (f: Feature, latlng) => {
          const p = (f.properties ?? {}) as Json;
          if (p['kind'] === 'gap') {
            return L.marker(latlng, { icon: squareIcon(UNCOVERED, String(p['rank'] ?? '')), zIndexOffset: 500 })
              .bindTooltip(`Gap ${String(p['rank'] ?? '')}: ${km(n(p['kmDriven']))} driven by ${String(p['trucks'] ?? '?')} trucks`);
          }
          const fixed = p['fixedPoint'] === true;
          return L.circleMarker(latlng, { radius: fixed ? 8 : 5, color: '#1f2933', weight: 1, fillColor: fixed ? '#8e44ad' : '#2680c2', fillOpacity: 0.95 })
            .bindTooltip(`${String(p['name'] ?? p['stationId'] ?? 'station')}${fixed ? ' (fixed point)' : ''}`);
        },
      }).addTo(cmap.map);
      const lines = geo.features.filter((f) => f.geometry && f.geometry.type !== 'Point');
      const points = geo.features.filter((f) => f.geometry?.type === 'Point');
      mapEl.dataset['coveredLines'] = String(lines.filter((f) => isCovered(f.properties as Json)).length);
      mapEl.dataset['uncoveredLines'] = String(lines.filter((f) => !isCovered(f.properties as Json)).length);
      mapEl.dataset['stations'] = String(points.filter((f) => (f.properties as Json | null)?.['kind'] !== 'gap').length);
      const bounds = layer.getBounds();
      if (bounds.isValid()) cmap.map.fitBounds(bounds.pad(0.1), { animate: false });

      render(summary, h('div', { class: 'kpis' },
        kpi('Kilometres covered', share(pickShare(report, ['overall', 'kmShare'], ['overall', 'coveredKmShare'], ['kmShare'], ['coveredKmShare'], ['overall', 'km', 'share']))),
        kpi('Driving hours covered', share(pickShare(report, ['overall', 'hoursShare'], ['overall', 'coveredHoursShare'], ['hoursShare'], ['coveredHoursShare'], ['overall', 'hours', 'share']))),
        kpi('By fixed points only', share(pickShare(report, ['fixedPoint', 'kmShare'], ['fixedPointOnly', 'kmShare'], ['fixedPoints', 'kmShare'], ['fixedPoint', 'coveredKmShare'])))));

      const regionList = itemsOf<Json>(report['regions'] ?? []);
      if (regionList.length) {
        summary.appendChild(h('table', { class: 'table compact', 'data-testid': 'regions' },
          h('thead', {}, h('tr', {}, ['Region', 'Km covered', 'Hours covered', 'Fixed points'].map((t) => h('th', {}, t)))),
          h('tbody', {}, regionList.map((r) => h('tr', {},
            h('td', {}, String(r['regionName'] ?? r['name'] ?? r['region'] ?? '')),
            h('td', {}, share(r['kmShare'])),
            h('td', {}, share(r['hoursShare'])),
            h('td', {}, share((r['fixedPoint'] as Json | null)?.['kmShare'])))))));
      }
      const gapList = itemsOf<Json>(report['gaps'] ?? []);
      render(gaps, gapList.length
        ? h('table', { class: 'table compact' },
            h('thead', {}, h('tr', {}, ['#', 'Length', 'Driven', 'Trucks', 'Regions', 'Nearest station'].map((t) => h('th', {}, t)))),
            h('tbody', {}, gapList.slice(0, 50).map((g, i) => h('tr', {},
              h('td', {}, n(g['rank']) ?? i + 1),
              h('td', {}, km(n(g['lengthKm']) ?? n(g['km']))),
              h('td', {}, km(n(g['kmDriven']))),
              h('td', {}, n(g['trucks']) ?? n(g['vehicles']) ?? '–'),
              h('td', {}, Array.isArray(g['regions']) ? (g['regions'] as unknown[]).map((r) => (typeof r === 'object' && r ? String((r as Json)['name'] ?? (r as Json)['code']) : String(r))).join(', ') : '–'),
              h('td', {}, `${typeof g['nearestStationId'] === 'string' ? `${g['nearestStationId']} · ` : ''}${minutes(n(g['nearestEtaMin']) ?? n(g['etaMin']))}`)))))
        : h('p', { class: 'empty' }, 'No gaps: every stretch is covered.'));
    } catch (err) {
      render(summary, errorBox(err));
    }
  })();

  void (async () => {
    try {
      const answer = await ctx.api.get<Json>(`${base}/assignments`);
      const rows = itemsOf<Json>(answer['assignments'] ?? answer);
      const lead = typeof answer['leadAdvisorId'] === 'string' ? answer['leadAdvisorId'] : undefined;
      // Names for the ids: stations from the session cache, advisors from the API (both scoped by it).
      const advisorIds = [...new Set([...rows.map((a) => String(a['advisorId'] ?? '')), ...(lead ? [lead] : [])].filter(Boolean))];
      const advisors = new Map(await Promise.all(advisorIds.map(async (id) => {
        const advisor = await ctx.api.get<Json>(`/v1/advisors/${encodeURIComponent(id)}`).catch(() => undefined);
        return [id, advisor ? `${String(advisor['name'] ?? id)}${advisor['phone'] ? ` · ${String(advisor['phone'])}` : ''}` : id] as const;
      })));
      const stationNames = new Map(await Promise.all(rows.map(async (a) => {
        const id = String(a['stationId'] ?? '');
        return [id, (await ctx.station(id))?.name ?? id] as const;
      })));
      render(fixedPoints, lead ? h('p', {}, 'Lead advisor: ', h('b', {}, advisors.get(lead) ?? lead)) : null, rows.length
        ? h('table', { class: 'table compact' },
            h('thead', {}, h('tr', {}, ['Region', 'Fixed-point station', 'Advisor'].map((t) => h('th', {}, t)))),
            h('tbody', {}, rows.map((a) => h('tr', {},
              h('td', {}, String(a['regionName'] ?? a['region'] ?? '')),
              h('td', {}, stationNames.get(String(a['stationId'] ?? '')) ?? ''),
              h('td', {}, advisors.get(String(a['advisorId'] ?? '')) ?? '')))))
        : h('p', { class: 'empty' }, 'No fixed points assigned.'));
    } catch (err) {
      render(fixedPoints, errorBox(err));
    }
  })();

  return () => cmap.destroy();
};

function kpi(label: string, value: string): HTMLElement {
  return h('div', { class: 'kpi' }, h('div', { class: 'kpi-value' }, value), h('div', { class: 'kpi-label' }, label));
}
