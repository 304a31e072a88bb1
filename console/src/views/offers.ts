// The station's screen (made for a tablet): cases offered to this station with the time left to answer,
// and the rescues it runs. Accept/decline happen on the case page, which shows the map and the details.
import { keepFresh, throttle, type View } from '../context.ts';
import { h, render } from '../dom.ts';
import { km, minutes, time } from '../fmt.ts';
import { OPEN_STATUSES } from '../model.ts';
import { errorBox, statusBadge } from './common.ts';
import { loadOpenCases } from './queue.ts';

export const offersView: View = (el, ctx) => {
  const me = ctx.session.claims.stationId;
  const offered = h('div', { class: 'cards', 'data-testid': 'offers-list' });
  const running = h('div', { class: 'cards', 'data-testid': 'my-rescues' });
  render(el, h('section', { class: 'panel' },
    h('header', { class: 'panel-head' }, h('h2', {}, 'Offered to us')), offered,
    h('h2', {}, 'Our rescues'), running));

  const load = async () => {
    try {
      const cases = await loadOpenCases(ctx);
      const pending = cases.flatMap((c) => {
        const offer = c.offers?.find((o) => o.outcome === 'pending' && o.stationId === me);
        return offer && c.status === 'offered' ? [{ c, offer }] : [];
      }).sort((a, b) => Date.parse(a.offer.expiresAt) - Date.parse(b.offer.expiresAt));
      render(offered, pending.length
        ? pending.map(({ c, offer }) => h('a', { class: 'card offer', href: `#/cases/${encodeURIComponent(c.id)}`, 'data-case-id': c.id },
            h('div', { class: 'card-title' }, h('b', {}, c.id), ' ', statusBadge(c.status)),
            h('div', {}, `${km(offer.distanceKm)} away · ETA ${minutes(offer.etaMin)}`),
            h('div', {}, (c.systems ?? []).join(', ') || c.description || ''),
            h('div', { class: 'big-clock' }, 'answer within ', h('span', { class: 'countdown', 'data-deadline': offer.expiresAt })),
            h('span', { class: 'button primary big' }, 'Open and answer')))
        : h('p', { class: 'empty' }, 'No offers waiting.'));
      const mine = cases.filter((c) => c.launch?.stationId === me && OPEN_STATUSES.includes(c.status));
      render(running, mine.length
        ? mine.map((c) => h('a', { class: 'card', href: `#/cases/${encodeURIComponent(c.id)}`, 'data-case-id': c.id },
            h('div', { class: 'card-title' }, h('b', {}, c.id), ' ', statusBadge(c.status)),
            h('div', {}, `van ${c.launch?.vanId ?? '–'} · ${c.launch?.technician ?? '–'} · launched ${time(c.launch?.at)}`),
            h('div', {}, 'repair due in ', h('span', { class: 'countdown', 'data-deadline': c.repairDeadline }))))
        : h('p', { class: 'empty' }, 'No rescues in progress.'));
    } catch (err) {
      render(offered, errorBox(err));
    }
  };
  void load();
  return keepFresh(ctx, el, () => void load(), {
    matches: (e) => e.type.startsWith('rescue.'),
    limit: (fn) => throttle(fn, 2000),
  });
};
