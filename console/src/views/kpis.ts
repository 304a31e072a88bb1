// A customer's rescue KPIs, computed from its cases: share launched within 15 minutes, time to launch,
// share repaired within 24 hours, parts ready at arrival, the average rating.
import { itemsOf } from '../api.ts';
import type { View } from '../context.ts';
import { h, render } from '../dom.ts';
import { minutes, pct, time } from '../fmt.ts';
import { formatNumber, t } from '../i18n.ts';
import type { RescueCase } from '../model.ts';
import { caseLink, empty, errorBox, loading, statusBadge, viewHead } from './common.ts';

const LAUNCH_WINDOW_MS = 15 * 60_000;
const REPAIR_WINDOW_MS = 24 * 3600_000;
const REPAIRED = new Set(['repaired', 'resolved', 'towed', 'closed']);

export interface RescueKpis {
  cases: number;
  launched: number;
  launchedWithinWindow: number;
  medianLaunchMin?: number;
  p90LaunchMin?: number;
  finished: number;
  repairedWithin24h: number;
  /** Launched cases that needed parts, and those whose parts were all there when the van arrived. */
  partsNeeded: number;
  partsReadyAtArrival: number;
  ratings: number;
  averageRating?: number;
}

function repairedAt(c: RescueCase): number | undefined {
  const entry = c.timeline?.find((t) => t.to === 'repaired' || t.to === 'resolved' || t.to === 'towed');
  return entry ? Date.parse(entry.at) : undefined;
}

function quantile(sorted: number[], q: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function computeKpis(cases: readonly RescueCase[]): RescueKpis {
  const real = cases.filter((c) => c.status !== 'cancelled');
  const launchMs = real.flatMap((c) => (c.launch ? [Date.parse(c.launch.at) - Date.parse(c.reportedAt)] : [])).sort((a, b) => a - b);
  const finished = real.filter((c) => REPAIRED.has(c.status));
  const within = finished.filter((c) => {
    const at = repairedAt(c);
    return at !== undefined && at - Date.parse(c.reportedAt) <= REPAIR_WINDOW_MS;
  });
  const withParts = real.filter((c) => c.partsReadyAtArrival !== undefined && (c.parts?.length ?? 0) > 0);
  const scores = real.flatMap((c) => (c.rating ? [c.rating.score] : []));
  const median = quantile(launchMs, 0.5);
  const p90 = quantile(launchMs, 0.9);
  return {
    cases: real.length,
    launched: launchMs.length,
    launchedWithinWindow: launchMs.filter((ms) => ms <= LAUNCH_WINDOW_MS).length,
    ...(median !== undefined ? { medianLaunchMin: median / 60_000 } : {}),
    ...(p90 !== undefined ? { p90LaunchMin: p90 / 60_000 } : {}),
    finished: finished.length,
    repairedWithin24h: within.length,
    partsNeeded: withParts.length,
    partsReadyAtArrival: withParts.filter((c) => c.partsReadyAtArrival).length,
    ratings: scores.length,
    ...(scores.length ? { averageRating: scores.reduce((a, b) => a + b, 0) / scores.length } : {}),
  };
}

export const kpisView: View = (el, ctx) => {
  const body = h('div', {}, loading());
  render(el, h('section', { class: 'panel' }, viewHead(t('kpis.title')), body));
  const load = async () => {
    try {
      const [cases, fleet] = await Promise.all([ctx.api.get('/v1/rescues', { limit: 1000 }).then((a) => itemsOf<RescueCase>(a)), ctx.directory.openCases().catch(() => undefined)]);
      const k = computeKpis(cases);
      const plates = new Map((fleet?.openCases ?? []).map((c) => [c.vin, c.plate]));
      if (!k.cases) return render(body, empty(t('kpis.none')));
      render(body,
        h('div', { class: 'kpis', 'data-testid': 'kpis' },
          tile(t('kpis.launched15'), k.launched ? pct(k.launchedWithinWindow / k.launched) : '–', t('kpis.ofLaunched', { n: k.launchedWithinWindow, total: k.launched })),
          tile(t('kpis.medianLaunch'), minutes(k.medianLaunchMin), t('kpis.p90', { v: minutes(k.p90LaunchMin) })),
          tile(t('kpis.repaired24'), k.finished ? pct(k.repairedWithin24h / k.finished) : '–', t('kpis.ofFinished', { n: k.repairedWithin24h, total: k.finished })),
          tile(t('kpis.partsReady'), k.partsNeeded ? pct(k.partsReadyAtArrival / k.partsNeeded) : '–', t('kpis.ofWithParts', { n: k.partsReadyAtArrival, total: k.partsNeeded })),
          tile(t('kpis.rating'), k.averageRating !== undefined ? formatNumber(k.averageRating, 1) : '–', t('score.nRatings', { n: k.ratings })),
          tile(t('kpis.cases'), String(k.cases), t('kpis.notCancelled'))),
        h('h2', {}, t('kpis.recent')),
        h('table', { class: 'table compact' },
          h('thead', {}, h('tr', {}, [t('col.case'), t('col.status'), t('col.truck'), t('kpis.timeToLaunch')].map((x) => h('th', {}, x)))),
          h('tbody', {}, [...cases].sort((a, b) => Date.parse(b.reportedAt) - Date.parse(a.reportedAt)).slice(0, 50).map((c) =>
            h('tr', {}, h('td', {}, caseLink(c, time(c.reportedAt))), h('td', {}, statusBadge(c.status)), h('td', { class: 'mono' }, plates.get(c.vin) ?? c.vin),
              h('td', {}, c.launch ? minutes((Date.parse(c.launch.at) - Date.parse(c.reportedAt)) / 60_000) : '–'))))));
    } catch (err) {
      render(body, errorBox(err, () => void load()));
    }
  };
  void load();
};

function tile(label: string, value: string, note: string): HTMLElement {
  return h('div', { class: 'kpi' }, h('div', { class: 'kpi-value' }, value), h('div', { class: 'kpi-label' }, label), h('div', { class: 'muted' }, note));
}
