// Booking a service slot for a truck (`#/maintenance/book/<vin>`; customer, advisor, agent, admin), reached from
// the Due list, the truck page and a reminder. It starts from the API's proposal (`GET /v1/appointments/proposal`:
// the customer's fixed point where the truck is expected to be, and the items that are due): the user picks the
// items (by name), the station (the proposed one first, the others by name, nearest first) and a start as a
// China-time date and time, then `POST /v1/appointments`. A refusal — closed at that time (400), the day fully
// booked (409) — is shown beside the field it is about, and nothing is booked. Service-day offers of the chosen
// station are shown with a button that picks their day. Requests: proposal, the truck's maintenance (plan and due
// items), the published service days, and the shared stations and fleet (plate, position, customer name).
import { ApiError } from '../api.ts';
import { chinaDate, chinaDateFromToday, chinaInstant, chinaTimeOfDay } from '../china-time.ts';
import type { View, ViewContext } from '../context.ts';
import { h, render, type Child } from '../dom.ts';
import { slot } from '../fmt.ts';
import { formatNumber, locale, t, tCode } from '../i18n.ts';
import type { Station } from '../model.ts';
import { loadRegions, regionName } from '../regions.ts';
import { partName } from './case-repair.ts';
import { chinaDateInput, readChinaDate, timeSelect } from './china-fields.ts';
import { clearFieldErrors, errorBox, fieldsOf, loading, showFieldError, truckLink, viewHead } from './common.ts';
import { dueBadge, type DueItem, type VehicleDue } from './maintenance-due.ts';

interface Proposal {
  vin: string;
  region: string | null;
  basis: string;
  stationId: string | null;
  items: string[];
}

interface PlanItem {
  id: string;
  name: { zh: string; en: string };
  labourHours: number;
}

export interface ServiceDayOffer {
  stationId: string;
  date: string;
  offer: { zh: string; en: string };
}

interface BookedAppointment {
  id: string;
  stationId: string;
  items: string[];
  startMs: number;
  endMs: number;
  kit: Array<{ partNo: string; qty: number; status: string }>;
}

/** How many stations the picker lists besides the proposed one (nearest first). */
const STATION_CHOICES = 40;

export function bookingHref(vin: string, opts: { items?: readonly string[]; stationId?: string; date?: string } = {}): string {
  const q = new URLSearchParams();
  if (opts.items?.length) q.set('items', opts.items.join(','));
  if (opts.stationId) q.set('station', opts.stationId);
  if (opts.date) q.set('date', opts.date);
  const query = q.toString();
  return `#/maintenance/book/${encodeURIComponent(vin)}${query ? `?${query}` : ''}`;
}

/** Roles that book (the API's BOOKERS). */
export const BOOKING_ROLES = ['admin', 'agent', 'advisor', 'customer'] as const;

function itemName(item: PlanItem): string {
  return locale() === 'zh-CN' ? item.name.zh : item.name.en;
}

function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.sqrt(x * x + y * y) * 6371;
}

function sameChinaDay(a: number, b: number): boolean {
  return chinaDate(a) === chinaDate(b - 1);
}

/** Opening hours in words (`24h` → around the clock). */
export function hoursText(hours: string | undefined): string {
  return !hours || hours === '24h' ? t('book.open24h') : t('book.openHours', { hours });
}

export const bookServiceView: View = (el, ctx, params) => {
  const vin = params['vin'] ?? '';
  const head = viewHead(t('book.title', { name: vin }));
  const body = h('div', { 'data-testid': 'book-service' }, loading());
  render(el, h('section', { class: 'panel' }, head, body));
  let gone = false;

  const load = async () => {
    try {
      const enc = encodeURIComponent(vin);
      const [proposal, maintenance, stations, offers, fleet, regions] = await Promise.all([
        ctx.api.get<Proposal>('/v1/appointments/proposal', { vin }),
        ctx.api.get<{ plan: { items: PlanItem[] } | null; due: VehicleDue }>(`/v1/vehicles/${enc}/maintenance`),
        ctx.directory.stations(),
        ctx.api.get<ServiceDayOffer[]>('/v1/service-days').catch(() => [] as ServiceDayOffer[]),
        ctx.directory.fleet().catch(() => undefined),
        loadRegions().catch(() => undefined),
      ]);
      if (gone) return;
      const truck = fleet?.items.find((x) => x.vin === vin);
      const plate = truck?.plate ?? vin;
      const customerName = fleet?.customers?.find((c) => c.id === maintenance.due.customerId)?.name;
      render(head, h('h1', {}, t('book.title', { name: plate })));
      bookingForm(ctx, body, {
        vin, plate, customerName, proposal, plan: maintenance.plan?.items ?? [], due: maintenance.due.items, stations, offers,
        near: truck?.lat !== undefined && truck.lon !== undefined ? { lat: truck.lat, lon: truck.lon } : undefined,
        regionName: proposal.region ? regionName(regions, proposal.region) : undefined,
        preset: { items: params['items']?.split(',').filter(Boolean), stationId: params['station'], date: params['date'] },
      });
    } catch (err) {
      render(body, errorBox(err, () => void load()));
    }
  };
  void load();
  return () => {
    gone = true;
  };
};

interface FormInput {
  vin: string;
  plate: string;
  customerName: string | undefined;
  proposal: Proposal;
  plan: PlanItem[];
  due: DueItem[];
  stations: Map<string, Station>;
  offers: ServiceDayOffer[];
  near: { lat: number; lon: number } | undefined;
  regionName: string | undefined;
  preset: { items?: string[]; stationId?: string; date?: string };
}

function bookingForm(ctx: ViewContext, el: HTMLElement, input: FormInput): void {
  const { proposal, plan, stations } = input;
  const dueOf = new Map(input.due.map((d) => [d.itemId, d]));
  const wanted = new Set(input.preset.items?.length ? input.preset.items : proposal.items);
  const proposed = proposal.stationId ? stations.get(proposal.stationId) : undefined;
  const origin = input.near ?? proposed;
  const others = [...stations.values()]
    .filter((s) => s.active !== false && s.id !== proposed?.id)
    .map((s) => ({ s, km: origin ? distanceKm(origin, s) : undefined }))
    .sort((a, b) => (a.km ?? 0) - (b.km ?? 0) || a.s.name.localeCompare(b.s.name))
    .slice(0, STATION_CHOICES);
  // A preset station (a reminder's service-day offer) is listed even when it is farther out.
  const preset = input.preset.stationId ? stations.get(input.preset.stationId) : undefined;
  if (preset && preset.id !== proposed?.id && !others.some((o) => o.s.id === preset.id)) others.unshift({ s: preset, km: origin ? distanceKm(origin, preset) : undefined });
  const stationLabel = (s: Station, distance: number | undefined) => `${s.name}${distance !== undefined ? ` · ${t('unit.km', { n: formatNumber(distance, 0) })}` : ''}`;

  const itemsBox = h('fieldset', { class: 'checks', 'data-testid': 'book-items', 'data-field': 'items' },
    h('legend', {}, t('book.items')),
    plan.length
      ? plan.map((item) => {
          const d = dueOf.get(item.id);
          return h('label', { class: 'choice', 'data-item': item.id },
            h('input', { type: 'checkbox', name: 'items', value: item.id, checked: wanted.has(item.id) }),
            itemName(item), d && d.status !== 'ok' ? [' ', dueBadge(d.status)] : null,
            h('span', { class: 'muted' }, ` · ${t('book.labour', { n: formatNumber(item.labourHours, 1) })}`));
        })
      : h('p', { class: 'muted' }, t('maint.noPlan')));
  const station = h('select', { name: 'stationId', 'data-testid': 'book-station' },
    proposed ? h('option', { value: proposed.id, selected: !preset || preset.id === proposed.id }, `${proposed.name} · ${t('book.proposedTag')}`) : null,
    others.map((o) => h('option', { value: o.s.id, selected: preset?.id === o.s.id || (!proposed && !preset && o === others[0]) }, stationLabel(o.s, o.km))));
  const date = chinaDateInput('date', input.preset.date ?? chinaDateFromToday(1));
  const at = timeSelect('time', '09:00');
  const when = h('fieldset', { class: 'when', 'data-field': 'start' },
    h('legend', {}, t('book.when')),
    h('label', {}, t('time.date'), date),
    h('label', {}, t('time.timeOfDay'), at));
  const hours = h('p', { class: 'muted', 'data-testid': 'book-hours' });
  const offersBox = h('div', { 'data-testid': 'service-day-offers' });
  const summary = h('p', { class: 'muted', 'data-testid': 'book-summary', 'aria-live': 'polite' });
  const result = h('div', { role: 'status' });
  const submit = h('button', { class: 'button primary', type: 'submit', 'data-testid': 'book-submit' }, t('book.submit'));

  const chosenItems = () => [...itemsBox.querySelectorAll<HTMLInputElement>('input[name=items]:checked')].map((x) => x.value);
  const refresh = () => {
    const s = stations.get(station.value);
    hours.textContent = s ? hoursText(s.hours) : '';
    const today = chinaDate(Date.now());
    const upcoming = input.offers.filter((o) => o.stationId === station.value && o.date >= today);
    render(offersBox, upcoming.map((o) => h('div', { class: 'card note', 'data-offer-date': o.date },
      h('b', {}, t('maint.serviceDay', { station: s?.name ?? '', date: o.date })), ' ', locale() === 'zh-CN' ? o.offer.zh : o.offer.en, ' ',
      h('button', { class: 'button small', type: 'button', onclick: () => {
        date.value = o.date;
        refresh();
      } }, t('book.pickServiceDay')))));
    const bay = plan.filter((i) => chosenItems().includes(i.id)).reduce((sum, i) => sum + i.labourHours, 0);
    const start = chinaInstant(date.value, at.value);
    summary.textContent = bay > 0
      ? start !== undefined ? t('book.summary', { n: formatNumber(bay, 1), from: slot(start), to: sameChinaDay(start, start + bay * 3600_000) ? chinaTimeOfDay(start + bay * 3600_000) : slot(start + bay * 3600_000) }) : t('book.summaryHours', { n: formatNumber(bay, 1) })
      : '';
  };

  const form = h('form', { class: 'form', 'data-testid': 'book-form', novalidate: true, onsubmit: (e: Event) => {
    e.preventDefault();
    void book();
  }, onchange: refresh, oninput: refresh },
    h('div', { class: 'card', 'data-testid': 'book-truck' },
      h('p', {}, h('b', {}, t('col.truck')), ' ', truckLink(input.vin, input.plate), input.customerName ? ` · ${input.customerName}` : ''),
      h('p', { 'data-testid': 'book-proposal' }, proposed
        ? [h('b', {}, t('book.proposed')), ' ', proposed.name, input.regionName ? ` · ${t('book.inRegion', { region: input.regionName })}` : '', h('span', { class: 'muted' }, ` · ${tCode('basis', proposal.basis)}`)]
        : h('span', { class: 'muted' }, t('book.noProposal')))),
    itemsBox,
    h('label', {}, t('col.station'), station),
    hours,
    offersBox,
    when,
    summary,
    h('div', { class: 'inline-buttons' }, submit, h('a', { class: 'button', href: `#/trucks/${encodeURIComponent(input.vin)}` }, t('action.back'))),
    result);
  render(el, form);
  refresh();

  async function book(): Promise<void> {
    clearFieldErrors(form);
    render(result);
    const items = chosenItems();
    let invalid = false;
    if (!items.length) {
      showFieldError(itemsBox, t('book.error.noItems'));
      invalid = true;
    }
    const day = readChinaDate(date);
    const start = chinaInstant(date.value, at.value);
    if ('error' in day) {
      showFieldError(date, day.error);
      invalid = true;
    } else if (start === undefined || start <= Date.now()) {
      showFieldError(when, t('book.error.past'), date, at);
      invalid = true;
    }
    if (invalid || start === undefined) return;
    const chosen = stations.get(station.value);
    submit.disabled = true;
    try {
      const a = await ctx.api.post<BookedAppointment>('/v1/appointments', { vin: input.vin, stationId: station.value, items, start: new Date(start).toISOString() });
      const parts = await ctx.directory.parts().catch(() => new Map());
      const names = new Map(plan.map((i) => [i.id, itemName(i)]));
      render(el, h('div', { class: 'ok', 'data-testid': 'booked', 'data-appointment-id': a.id },
        h('p', {}, h('b', {}, t('book.booked', { station: stations.get(a.stationId)?.name ?? chosen?.name ?? '', at: slot(a.startMs) }))),
        h('p', {}, a.items.map((id) => names.get(id) ?? id).join('、')),
        a.kit.length ? [h('p', {}, t('book.kit')), h('ul', { class: 'kit' }, a.kit.map((k) => h('li', { 'data-part': k.partNo, 'data-status': k.status }, `${partName(k.partNo, parts)} × ${k.qty} · ${tCode('partStatus', k.status)}`)))] : null,
        h('p', {}, t('book.waitForStation')),
        h('div', { class: 'inline-buttons' },
          h('a', { class: 'button primary', href: '#/maintenance?tab=appointments' }, t('book.seeAppointments')),
          h('a', { class: 'button', href: `#/trucks/${encodeURIComponent(input.vin)}` }, input.plate))));
    } catch (err) {
      submit.disabled = false;
      showBookingError(err, { form, result, itemsBox, station, when, date, at, hours: chosen?.hours });
    }
  }
}

/** The API's refusal beside the field it is about, in the user's words; anything else as a banner. */
function showBookingError(err: unknown, f: { form: HTMLFormElement; result: HTMLElement; itemsBox: HTMLElement; station: HTMLSelectElement; when: HTMLElement; date: HTMLInputElement; at: HTMLSelectElement; hours: string | undefined }): void {
  const fields = err instanceof ApiError ? new Set(fieldsOf(err).map((x) => x.replace(/\[\d+\]$/, ''))) : new Set<string>();
  const shown: Child[] = [];
  if (err instanceof ApiError && fields.has('start')) {
    const text = err.status === 409 ? t('book.error.full') : t('book.error.closed', { hours: hoursText(f.hours) });
    shown.push(showFieldError(f.when, text, f.date, f.at));
  }
  if (err instanceof ApiError && fields.has('stationId')) shown.push(showFieldError(f.station, t('book.error.station')));
  if (err instanceof ApiError && fields.has('items')) shown.push(showFieldError(f.itemsBox, t('book.error.items')));
  if (!shown.length) render(f.result, errorBox(err));
  else f.form.querySelector<HTMLElement>('input[aria-invalid=true], select[aria-invalid=true]')?.focus();
}
