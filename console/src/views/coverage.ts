// A customer's route coverage for a chosen period and response threshold: covered and uncovered
// stretches of the roads its trucks drove, stations, gaps ranked by exposure (a click zooms the map to
// the gap), region names, fixed-point stations and advisors per region with phones, and on demand the
// fixed-point suggestions and pre-positioning picks. An honest empty state when nothing was driven.
import * as L from 'leaflet';
import type { Feature, FeatureCollection } from 'geojson';
import { itemsOf } from '../api.ts';
import type { View } from '../context.ts';
import { h, render } from '../dom.ts';
import { km, minutes, pct, time } from '../fmt.ts';
import { t } from '../i18n.ts';
import { createMap, squareIcon } from '../map.ts';
import type { Advisor, Station } from '../model.ts';
import { loadRegions, regionName } from '../regions.ts';
import { empty, errorBox, loading, phoneLink, viewHead } from './common.ts';

type Json = Record<string, unknown>;

const COVERED = '#1b8a5a';
const UNCOVERED = '#c62828';
export const PERIODS = [7, 30, 90] as const;
export const THRESHOLDS = [30, 45, 60, 90, 120] as const;

interface Share { km: number; hours: number; kmShare: number; hoursShare: number }
interface Gap { rank: number; kmDriven: number; trucks: number; lengthKm: number; regionNames: string[]; bbox: [number, number, number, number]; nearestStationId: string | null; nearestEtaMin: number | null; centroid: { lat: number; lon: number } }
interface Report {
  from: string; to: string; thresholdMin: number; trucks: number; samples: number;
  overall: Share; fixedPoint: Share | null;
  regions: Array<{ region: string; regionName: string | null; kmShare: number; hoursShare: number; km: number; fixedPoint: Share | null }>;
  gaps: Gap[]; gapsTotal: number;
}

/** Whether a line feature is a covered stretch. */
export function isCovered(props: Json | null | undefined): boolean {
  if (!props) return false;
  if (typeof props['covered'] === 'boolean') return props['covered'];
  return (props['kind'] ?? props['status']) === 'covered';
}

export const coverageView: View = (el, ctx, params) => {
  const { role, customerId: own } = ctx.session.claims;
  const customerId = role === 'customer' ? own ?? '' : params['customerId'] ?? '';
  const days = PERIODS.includes(Number(params['days']) as 7) ? Number(params['days']) : 7;
  const threshold = THRESHOLDS.includes(Number(params['threshold']) as 60) ? Number(params['threshold']) : 60;
  const mapEl = h('div', { class: 'map', 'data-testid': 'coverage-map', role: 'region', 'aria-label': t('coverage.map') });
  const summary = h('div', { 'data-testid': 'coverage-summary' }, customerId ? loading() : empty(t('coverage.pick')));
  const gaps = h('div', { 'data-testid': 'gaps' });
  const fixedPoints = h('div', { 'data-testid': 'fixed-points' });
  const extra = h('div', { 'data-testid': 'coverage-extra' });
  const hash = (c: string, d: number, th: number) => `#/coverage${c ? `/${encodeURIComponent(c)}` : ''}?days=${d}&threshold=${th}`;

  const customerSelect = h('select', { name: 'customerId', 'aria-label': t('col.customer'), onchange: (e: Event) => ctx.navigate(hash((e.currentTarget as HTMLSelectElement).value, days, threshold)) },
    h('option', { value: '' }, t('coverage.chooseCustomer')));
  const periodSelect = h('select', { name: 'days', 'aria-label': t('coverage.period'), 'data-testid': 'period', onchange: (e: Event) => ctx.navigate(hash(customerId, Number((e.currentTarget as HTMLSelectElement).value), threshold)) },
    PERIODS.map((d) => h('option', { value: d, selected: d === days }, t('coverage.lastDays', { n: d }))));
  const thresholdSelect = h('select', { name: 'threshold', 'aria-label': t('coverage.threshold'), 'data-testid': 'threshold', onchange: (e: Event) => ctx.navigate(hash(customerId, days, Number((e.currentTarget as HTMLSelectElement).value))) },
    THRESHOLDS.map((m) => h('option', { value: m, selected: m === threshold }, t('coverage.within', { n: m }))));
  const controls = h('div', { class: 'form inline' },
    role === 'customer' ? null : h('label', {}, t('col.customer'), customerSelect),
    h('label', {}, t('coverage.period'), periodSelect), h('label', {}, t('coverage.threshold'), thresholdSelect));
  const head = viewHead(t('coverage.title'), controls,
    h('ul', { class: 'legend' }, h('li', {}, h('i', { style: `background:${COVERED}` }), t('coverage.covered')), h('li', {}, h('i', { style: `background:${UNCOVERED}` }), t('coverage.uncovered')),
      h('li', {}, h('i', { style: 'background:#1f6fb2' }), t('coverage.station')), h('li', {}, h('i', { style: 'background:#6b3fa0' }), t('coverage.fixedPoint')), h('li', {}, h('i', { class: 'sq', style: `background:${UNCOVERED}` }), t('coverage.gap'))));
  render(el, h('section', { class: 'panel' }, head,
    h('div', { class: 'split' }, h('div', { class: 'split-map' }, mapEl), h('div', { class: 'split-side' }, summary, h('h2', {}, t('coverage.fixedPoints')), fixedPoints, h('h2', {}, t('coverage.gaps')), gaps, extra))));

  if (role !== 'customer') {
    void ctx.directory.customers().then((list) => {
      for (const c of [...list.values()].sort((a, b) => a.name.localeCompare(b.name))) customerSelect.appendChild(h('option', { value: c.id, selected: c.id === customerId }, c.name));
    }).catch(() => undefined);
  }
  const cmap = createMap(mapEl, ctx.settings);
  if (!customerId) {
    render(fixedPoints);
    return () => cmap.destroy();
  }
  const base = `/v1/customers/${encodeURIComponent(customerId)}`;
  const to = new Date(Math.floor(Date.now() / 600_000) * 600_000);
  const range = { from: new Date(to.getTime() - days * 86_400_000).toISOString(), to: to.toISOString() };

  const loadReport = async () => {
    render(summary, loading());
    try {
      const [geo, report, stations] = await Promise.all([
        ctx.api.get<FeatureCollection>(`${base}/coverage`, { format: 'geojson', thresholdMin: threshold, ...range }),
        ctx.api.get<Report>(`${base}/coverage`, { thresholdMin: threshold, ...range }),
        ctx.directory.stations().catch(() => new Map<string, Station>()),
      ]);
      mapEl.dataset['samples'] = String(report.samples);
      if (!report.samples || !report.overall.km) {
        render(summary, h('div', { class: 'card', 'data-testid': 'coverage-empty' }, h('p', {}, t('coverage.nothingDriven', { n: days })), h('p', { class: 'muted' }, t('coverage.nothingDrivenHint'))));
        render(gaps, empty(t('coverage.noGapsNoData')));
        return;
      }
      const layer = L.geoJSON(geo, {
        coordsToLatLng: (c) => cmap.toLatLng(c[1]!, c[0]!),
        style: (f?: Feature) => (f?.geometry?.type === 'Point' ? { color: '#1f2933', weight: 1 } : { color: isCovered(f?.properties) ? COVERED : UNCOVERED, weight: 4, opacity: 0.9 }),
        pointToLayer: (f: Feature, latlng) => {
          const p = (f.properties ?? {}) as Json;
          if (p['kind'] === 'gap') {
            const label = t('coverage.gapLabel', { rank: String(p['rank'] ?? ''), km: km(Number(p['kmDriven'])) });
            const m = L.marker(latlng, { icon: squareIcon(UNCOVERED, String(p['rank'] ?? '')), zIndexOffset: 500, title: label, alt: label }).bindTooltip(label);
            m.on('add', () => m.getElement()?.setAttribute('aria-label', label));
            return m;
          }
          const fixed = p['fixedPoint'] === true;
          const name = String(p['name'] ?? stations.get(String(p['stationId'] ?? ''))?.name ?? t('coverage.station'));
          return L.circleMarker(latlng, { radius: fixed ? 8 : 5, color: '#1f2933', weight: 1, fillColor: fixed ? '#6b3fa0' : '#1f6fb2', fillOpacity: 0.95 })
            .bindTooltip(`${name}${fixed ? ` · ${t('coverage.fixedPoint')}` : ''}`);
        },
      }).addTo(cmap.map);
      const lines = geo.features.filter((f) => f.geometry && f.geometry.type !== 'Point');
      mapEl.dataset['coveredLines'] = String(lines.filter((f) => isCovered(f.properties as Json)).length);
      mapEl.dataset['uncoveredLines'] = String(lines.filter((f) => !isCovered(f.properties as Json)).length);
      mapEl.dataset['stations'] = String(geo.features.filter((f) => f.geometry?.type === 'Point' && (f.properties as Json | null)?.['kind'] !== 'gap').length);
      const bounds = layer.getBounds();
      if (bounds.isValid()) cmap.map.fitBounds(bounds.pad(0.1), { animate: false });

      render(summary,
        h('p', { class: 'muted', 'data-testid': 'coverage-basis' }, t('coverage.basis', { from: time(report.from), to: time(report.to), threshold: report.thresholdMin, trucks: report.trucks })),
        h('div', { class: 'kpis' },
          kpi(t('coverage.kmCovered'), pct(report.overall.kmShare)),
          kpi(t('coverage.hoursCovered'), pct(report.overall.hoursShare)),
          kpi(t('coverage.byFixedPoints'), report.fixedPoint ? pct(report.fixedPoint.kmShare) : '–')),
        report.regions.length ? h('table', { class: 'table compact', 'data-testid': 'regions' },
          h('thead', {}, h('tr', {}, [t('col.region'), t('coverage.kmCovered'), t('coverage.hoursCovered'), t('coverage.byFixedPoints')].map((x) => h('th', {}, x)))),
          h('tbody', {}, report.regions.map((r) => h('tr', {},
            h('td', {}, r.regionName ?? r.region), h('td', {}, pct(r.kmShare)), h('td', {}, pct(r.hoursShare)), h('td', {}, r.fixedPoint ? pct(r.fixedPoint.kmShare) : '–'))))) : null);

      render(gaps, report.gaps.length
        ? h('table', { class: 'table compact' },
            h('thead', {}, h('tr', {}, ['#', t('coverage.gapLength'), t('coverage.driven'), t('coverage.trucks'), t('col.region'), t('coverage.nearestStation')].map((x) => h('th', {}, x)))),
            h('tbody', {}, report.gaps.slice(0, 50).map((g) => h('tr', { class: 'clickable', tabindex: 0, 'data-gap': g.rank,
              onclick: () => zoomTo(g), onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Enter' && zoomTo(g) },
              h('td', {}, g.rank), h('td', {}, km(g.lengthKm)), h('td', {}, km(g.kmDriven)), h('td', {}, g.trucks),
              h('td', {}, g.regionNames.join('、') || '–'),
              h('td', {}, g.nearestStationId ? `${stations.get(g.nearestStationId)?.name ?? t('case.unknownStation')} · ${minutes(g.nearestEtaMin ?? undefined)}` : '–')))))
        : empty(t('coverage.noGaps', { n: report.thresholdMin })));
      render(extra,
        h('div', { class: 'form inline' },
          h('button', { class: 'button', type: 'button', 'data-testid': 'show-suggestions', onclick: () => void loadSuggestions() }, t('coverage.showSuggestions')),
          h('button', { class: 'button', type: 'button', 'data-testid': 'show-prepositioning', onclick: () => void loadPrepositioning() }, t('coverage.showPrepositioning'))));
    } catch (err) {
      render(summary, errorBox(err, () => void loadReport()));
    }
  };

  const zoomTo = (g: Gap) => {
    const [minLon, minLat, maxLon, maxLat] = g.bbox;
    cmap.map.fitBounds(L.latLngBounds(cmap.toLatLng(minLat, minLon), cmap.toLatLng(maxLat, maxLon)).pad(0.3), { animate: false, maxZoom: 12 });
    mapEl.dataset['zoomedGap'] = String(g.rank);
  };

  const extraOut = h('div', {});
  const loadSuggestions = async () => {
    extra.appendChild(extraOut);
    render(extraOut, loading());
    try {
      const [answer, regions] = await Promise.all([ctx.api.get<{ regions: Array<{ region: string; regionName: string | null; currentStationId: string | null; suggestions: Array<{ rank: number; name: string; stationId: string; timeWeightedEtaMin: number; isCurrentFixedPoint: boolean }> }> }>(`${base}/assignments/suggestions`, range), loadRegions().catch(() => undefined)]);
      render(extraOut, h('h2', {}, t('coverage.suggestions')), answer.regions.length
        ? h('table', { class: 'table compact', 'data-testid': 'suggestions' },
            h('thead', {}, h('tr', {}, [t('col.region'), t('coverage.suggested'), t('coverage.avgEta')].map((x) => h('th', {}, x)))),
            h('tbody', {}, answer.regions.map((r) => {
              const best = r.suggestions[0];
              return h('tr', {}, h('td', {}, r.regionName ?? regionName(regions, r.region)),
                h('td', {}, best ? `${best.name}${best.isCurrentFixedPoint ? ` · ${t('coverage.current')}` : ''}` : '–'),
                h('td', {}, best ? minutes(best.timeWeightedEtaMin) : '–'));
            })))
        : empty(t('coverage.noSuggestions')));
    } catch (err) {
      render(extraOut, errorBox(err, () => void loadSuggestions()));
    }
  };
  const loadPrepositioning = async () => {
    extra.appendChild(extraOut);
    render(extraOut, loading());
    try {
      const answer = await ctx.api.get<{ picks: Array<{ rank: number; site: { name: string; kind: string }; gainKm: number; kmShareAfter: number }>; parts: Array<{ partsCategory: string; depotName: string | null; faults: number }> }>(`${base}/coverage/prepositioning`, { thresholdMin: threshold, ...range });
      render(extraOut, h('h2', {}, t('coverage.prepositioning')), answer.picks.length
        ? h('table', { class: 'table compact', 'data-testid': 'prepositioning' },
            h('thead', {}, h('tr', {}, ['#', t('coverage.site'), t('coverage.gain'), t('coverage.after')].map((x) => h('th', {}, x)))),
            h('tbody', {}, answer.picks.map((p) => h('tr', {}, h('td', {}, p.rank), h('td', {}, p.site.name), h('td', {}, km(p.gainKm)), h('td', {}, pct(p.kmShareAfter))))))
        : empty(t('coverage.noPicks')));
    } catch (err) {
      render(extraOut, errorBox(err, () => void loadPrepositioning()));
    }
  };

  const loadFixedPoints = async () => {
    try {
      const [answer, stations, regions, advisors] = await Promise.all([
        ctx.api.get<Json>(`${base}/assignments`),
        ctx.directory.stations().catch(() => new Map<string, Station>()),
        loadRegions().catch(() => undefined),
        ctx.api.get('/v1/advisors', { limit: 1000 }).then((a) => new Map(itemsOf<Advisor>(a).map((x) => [x.id, x]))).catch(() => new Map<string, Advisor>()),
      ]);
      const rows = itemsOf<Json>(answer['assignments'] ?? answer);
      const lead = typeof answer['leadAdvisorId'] === 'string' ? advisors.get(answer['leadAdvisorId']) : undefined;
      render(fixedPoints,
        lead ? h('p', {}, t('coverage.leadAdvisor'), ' ', h('b', {}, lead.name), ' · ', phoneLink(lead.phone)) : null,
        rows.length
          ? h('table', { class: 'table compact' },
              h('thead', {}, h('tr', {}, [t('col.region'), t('coverage.fixedPoint'), t('truck.advisor')].map((x) => h('th', {}, x)))),
              h('tbody', {}, rows.map((a) => {
                const s = stations.get(String(a['stationId'] ?? ''));
                const adv = advisors.get(String(a['advisorId'] ?? ''));
                return h('tr', {}, h('td', {}, regionName(regions, String(a['region'] ?? ''))),
                  h('td', {}, s ? [s.name, ' · ', phoneLink(s.phone)] : t('case.unknownStation')),
                  h('td', {}, adv ? [adv.name, ' · ', phoneLink(adv.phone)] : '–'));
              })))
          : empty(t('coverage.noFixedPoints')));
    } catch (err) {
      render(fixedPoints, errorBox(err, () => void loadFixedPoints()));
    }
  };
  void loadReport();
  void loadFixedPoints();
  return () => cmap.destroy();
};

function kpi(label: string, value: string): HTMLElement {
  return h('div', { class: 'kpi' }, h('div', { class: 'kpi-value' }, value), h('div', { class: 'kpi-label' }, label));
}
