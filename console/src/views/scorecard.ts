// A station's scorecard (`GET /v1/stations/{id}/scorecard`) over the last 7 / 30 / 90 days: answers to
// offers, launches in the window, repairs within 24 h, parts ready at arrival, rating and complaints answered
// in time. Admins and agents choose the station; a station sees its own. Two requests: stations, scorecard.
import type { View } from '../context.ts';
import { h, render } from '../dom.ts';
import { minutes, pct } from '../fmt.ts';
import { formatNumber, t } from '../i18n.ts';
import type { Station } from '../model.ts';
import type { Scorecard } from '../../../core/scorecard.ts';
import { empty, errorBox, loading, viewHead } from './common.ts';

const PERIODS = [7, 30, 90] as const;

export const scorecardView: View = (el, ctx, params) => {
  const own = ctx.session.claims.role === 'station' ? ctx.session.claims.stationId : undefined;
  const stationId = own ?? params['stationId'] ?? '';
  const days = PERIODS.find((d) => String(d) === params['days']) ?? 30;
  const body = h('div', { 'data-testid': 'scorecard' }, loading());
  const controls = h('div', { class: 'filters row' });
  render(el, h('section', { class: 'panel' }, viewHead(t('score.title')), controls, body));
  const go = (sid: string, d: number) => ctx.navigate(`#/scorecard${own ? '' : `/${encodeURIComponent(sid)}`}?days=${d}`);

  const load = async () => {
    try {
      const stations = await ctx.directory.stations().catch(() => new Map<string, Station>());
      const list = [...stations.values()].filter((s) => s.active !== false).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
      render(controls,
        own ? null : h('label', {}, t('score.station'), ' ', h('select', { 'data-testid': 'scorecard-station', onchange: (e: Event) => go((e.currentTarget as HTMLSelectElement).value, days) },
          h('option', { value: '' }, t('score.pick')), list.map((s) => h('option', { value: s.id, selected: s.id === stationId }, s.name)))),
        h('label', {}, t('score.period'), ' ', h('select', { 'data-testid': 'scorecard-days', onchange: (e: Event) => go(stationId, Number((e.currentTarget as HTMLSelectElement).value)) },
          PERIODS.map((d) => h('option', { value: d, selected: d === days }, t('score.days', { n: d }))))));
      if (!stationId) return render(body, empty(t('score.pick')));
      const to = new Date();
      const from = new Date(to.getTime() - days * 86_400_000);
      const s = await ctx.api.get<Scorecard>(`/v1/stations/${encodeURIComponent(stationId)}/scorecard`, { from: from.toISOString(), to: to.toISOString() });
      const of = (n: number, total: number) => t('score.ofN', { n: formatNumber(n), of: formatNumber(total) });
      const rate = (n: number, total: number) => (total ? pct(n / total) : '–');
      const rows: Array<[string, string, string]> = [
        [t('score.offers'), of(s.accepted + s.declined, s.offers), ''],
        [t('score.acceptance'), s.acceptanceRate === null ? '–' : pct(s.acceptanceRate), of(s.accepted, s.offers)],
        [t('score.medianAnswer'), s.medianAnswerS === null ? '–' : minutes(s.medianAnswerS / 60), ''],
        [t('score.launches'), rate(s.launchedWithinWindow, s.launches), of(s.launchedWithinWindow, s.launches)],
        [t('score.repairs'), s.repairedWithin24hRate === null ? '–' : pct(s.repairedWithin24hRate), of(s.repairedWithin24h, s.repairsDue)],
        [t('score.missed'), formatNumber(s.repairsMissed24h), ''],
        [t('score.parts'), s.partsReadyAtArrivalRate === null ? '–' : pct(s.partsReadyAtArrivalRate), of(s.partsReadyAtArrival, s.partsNeeded)],
        [t('score.rating'), s.averageRating === null ? '–' : formatNumber(s.averageRating, 1), t('score.nRatings', { n: formatNumber(s.ratings) })],
        [t('score.complaints'), rate(s.complaintsAnsweredInTime, s.complaints), of(s.complaintsAnsweredInTime, s.complaints)],
      ];
      render(body,
        h('h2', {}, stations.get(stationId)?.name ?? t('case.unknownStation')),
        h('table', { class: 'table' }, h('tbody', {}, rows.map(([label, value, detail]) => h('tr', { 'data-metric': label }, h('th', { scope: 'row' }, label), h('td', {}, h('b', {}, value)), h('td', { class: 'muted' }, detail))))));
    } catch (err) {
      render(body, errorBox(err, () => void load()));
    }
  };
  void load();
};
