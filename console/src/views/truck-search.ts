// Truck search by VIN or plate (`GET /v1/fleet/search`): partial, case and separators ignored, the
// province character optional. Results lead to the truck page, or to `onPick` (the launch form).
import { debounce, type ViewContext } from '../context.ts';
import { h, render } from '../dom.ts';
import { t } from '../i18n.ts';
import { errorBox } from './common.ts';

export interface TruckMatch {
  vin: string;
  plate?: string;
  customerId: string;
  customerName?: string;
  model?: string;
}

export function truckSearch(ctx: Pick<ViewContext, 'api' | 'navigate'>, onPick?: (m: TruckMatch) => void): HTMLElement {
  const input = h('input', { name: 'q', type: 'search', required: true, maxlength: 20, minlength: 2, autocomplete: 'off', placeholder: t('search.placeholder'), 'aria-label': t('search.label') });
  const results = h('ul', { class: 'search-results', 'data-testid': 'search-results', role: 'list' });
  let seq = 0;
  const run = async () => {
    const q = input.value.trim();
    if (q.length < 2) return render(results);
    const mine = ++seq;
    try {
      const { items } = await ctx.api.get<{ items: TruckMatch[] }>('/v1/fleet/search', { q, limit: 10 });
      if (mine !== seq) return;
      render(results, items.length
        ? items.map((m) => h('li', {}, h('a', {
            href: `#/trucks/${encodeURIComponent(m.vin)}`,
            'data-vin': m.vin,
            onclick: onPick ? (e: Event) => {
              e.preventDefault();
              render(results);
              onPick(m);
            } : undefined,
          }, h('b', {}, m.plate ?? m.vin), ' ', h('span', { class: 'muted' }, `${m.customerName ?? t('case.unknownCustomer')} · ${m.vin}`))))
        : h('li', { class: 'muted' }, t('search.none')));
    } catch (err) {
      if (mine === seq) render(results, h('li', {}, errorBox(err, () => void run())));
    }
  };
  const typed = debounce(() => void run(), 400);
  input.addEventListener('input', typed);
  const form = h('form', { class: 'form inline search', role: 'search', 'data-testid': 'truck-search', onsubmit: (e: Event) => {
    e.preventDefault();
    typed.cancel();
    void run();
  } }, h('label', {}, t('search.label'), input), h('button', { class: 'button', type: 'submit' }, t('action.find')), results);
  return form;
}
