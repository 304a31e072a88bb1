// The second half of a case on its page (docs/repair.md): the 24 h repair clock, warranty, the parts with
// their source and ready time, the quote (the station enters it, the customer or advisor decides), the
// warranty claim, the rating and the follow-up call; and the forms each role may use on them.
import type { ViewContext } from '../context.ts';
import { formValues, h, type Child } from '../dom.ts';
import { km, minutes, time } from '../fmt.ts';
import { formatDate, formatNumber, locale, t, tCode } from '../i18n.ts';
import { REPAIRED_STATUSES, type CasePart, type Depot, type Part, type RescueCase, type Station } from '../model.ts';
import { errorBox } from './common.ts';

export interface RepairNames {
  parts: Map<string, Part>;
  depots: Map<string, Depot>;
  stations: Map<string, Station>;
}

/** A part's name in the console's language, its number beside it. */
export function partName(partNo: string, parts: Map<string, Part>): string {
  const p = parts.get(partNo);
  if (!p) return partNo;
  return locale() === 'zh-CN' ? p.nameZh : p.nameEn;
}

function sourceName(line: CasePart, names: RepairNames): string {
  if (line.source === 'depot' && line.depotId) return `${t('repair.depot')} · ${names.depots.get(line.depotId)?.name ?? line.depotId}`;
  if (line.stationId) return `${t('repair.stationShelf')} · ${names.stations.get(line.stationId)?.name ?? t('case.unknownStation')}`;
  return '–';
}

function nextOption(line: CasePart, names: RepairNames): string {
  const n = line.nextOption;
  if (!n) return '';
  if (n.action === 'none') return t('repair.nextNone');
  return t('repair.nextBackorder', { depot: n.depotId ? names.depots.get(n.depotId)?.name ?? n.depotId : '–', eta: minutes(n.courierMin) });
}

export function repairSection(c: RescueCase, names: RepairNames): Child {
  const launched = !['open', 'offered', 'cancelled'].includes(c.status);
  const w = c.warranty;
  const repaired = c.repair?.repairedAt;
  return [
    h('h2', {}, t('repair.title')),
    h('dl', { class: 'repair-facts', 'data-testid': 'repair-facts' },
      h('dt', {}, t('repair.clock')),
      h('dd', { 'data-testid': 'repair-clock', 'data-breach': c.repairBreach ? 'true' : 'false' },
        `${t('repair.deadline')} ${time(c.repairDeadline)}`,
        repaired
          ? [' · ', t('repair.repairedAt', { at: time(repaired) }), ' · ', c.repair?.withinDeadline === false ? h('span', { class: 'badge escalated' }, t('repair.missed')) : h('span', { class: 'badge ok-badge' }, t('repair.within'))]
          : ['open', 'offered', 'launched', 'on_site', 'repairing', 'waiting_parts'].includes(c.status) ? [' · ', t('repair.timeLeft'), ' ', h('b', { class: 'countdown', 'data-deadline': c.repairDeadline })] : null,
        c.repairBreach ? [' ', h('span', { class: 'badge escalated', 'data-testid': 'repair-breach' }, t('repair.breach', { at: time(c.repairBreach.at) }))] : null),
      c.repair?.startedAt ? [h('dt', {}, t('repair.startedAt')), h('dd', {}, time(c.repair.startedAt))] : null,
      h('dt', {}, t('repair.warranty')),
      h('dd', { 'data-testid': 'warranty', 'data-covered': w ? String(w.covered) : 'unknown' },
        w
          ? [h('b', {}, w.covered ? t('repair.covered') : t('repair.notCovered')), ' · ', tCode('warranty', w.reason),
              w.expiresOn ? ` · ${t('repair.expiresOn', { date: formatDate(w.expiresOn) })}` : '',
              w.kmLeft !== undefined ? ` · ${t('repair.kmLeft', { km: km(w.kmLeft) })}` : '',
              ` · ${t('repair.policy', { years: w.policy.years, km: km(w.policy.km) })}`]
          : t('repair.warrantyUnknown')),
    ),
    launched || c.parts?.length ? [
      h('h3', {}, t('repair.parts'),
        c.partsReadyAtArrival !== undefined
          ? h('span', { class: `badge ${c.partsReadyAtArrival ? 'ok-badge' : 'warn'}`, 'data-testid': 'parts-ready', 'data-ready': String(c.partsReadyAtArrival) }, c.partsReadyAtArrival ? t('repair.readyAtArrival') : t('repair.notReadyAtArrival'))
          : null),
      c.parts?.length
        ? h('table', { class: 'table compact', 'data-testid': 'parts' },
            h('thead', {}, h('tr', {}, [t('repair.part'), t('repair.qty'), t('repair.source'), t('col.status'), t('repair.readyAt')].map((x) => h('th', {}, x)))),
            h('tbody', {}, c.parts.map((line) => h('tr', { 'data-part': line.partNo, 'data-status': line.status },
              h('td', {}, partName(line.partNo, names.parts), h('span', { class: 'muted mono' }, ` ${line.partNo}`)),
              h('td', {}, formatNumber(line.qty), line.consumedQty !== undefined && line.consumedQty !== line.qty ? h('span', { class: 'muted' }, ` (${t('repair.used', { n: line.consumedQty })})`) : null),
              h('td', {}, sourceName(line, names)),
              h('td', {}, tCode('partStatus', line.status), line.status === 'unavailable' ? h('div', { class: 'muted' }, nextOption(line, names)) : null),
              h('td', {}, line.readyAt ? time(line.readyAt) : line.status === 'reserved' || line.status === 'consumed' ? t('repair.onShelf') : '–')))))
        : h('p', { class: 'muted' }, t('repair.noParts')),
    ] : null,
    c.quote ? [
      h('h3', {}, t('repair.quote')),
      h('p', { 'data-testid': 'quote', 'data-status': c.quote.status },
        t('repair.quoteLine', { amount: formatNumber(c.quote.amountCny, 2), hours: formatNumber(c.quote.labourHours, 1) }), ' · ',
        h('b', {}, tCode('quoteStatus', c.quote.status)),
        c.quote.decidedAt ? ` · ${time(c.quote.decidedAt)}` : '', c.quote.note ? h('span', { class: 'note' }, ` · ${c.quote.note}`) : null),
      c.quote.parts.length ? h('ul', {}, c.quote.parts.map((p) => h('li', {}, `${partName(p.partNo, names.parts)} × ${p.qty} · ¥${formatNumber(p.unitPriceCny, 2)}`))) : null,
    ] : null,
    c.claim ? [h('h3', {}, t('repair.claim')), h('p', { 'data-testid': 'claim', 'data-status': c.claim.status },
      tCode('claimStatus', c.claim.status), ' · ', t('repair.quoteHours', { hours: formatNumber(c.claim.labourHours, 1) }),
      c.claim.parts.length ? ` · ${c.claim.parts.map((p) => `${partName(p.partNo, names.parts)} × ${p.qty}`).join('、')}` : '',
      c.claim.submittedAt ? ` · ${time(c.claim.submittedAt)}` : '')] : null,
    c.rating ? [h('h3', {}, t('repair.rating')), h('p', { 'data-testid': 'rating', 'data-score': c.rating.score },
      h('span', { class: 'stars', 'aria-label': t('repair.scoreOf', { n: c.rating.score }) }, '★'.repeat(c.rating.score) + '☆'.repeat(5 - c.rating.score)),
      ` ${t('repair.scoreOf', { n: c.rating.score })} · ${time(c.rating.at)}`, c.rating.comment ? h('span', { class: 'note' }, ` · ${c.rating.comment}`) : null)] : null,
    c.followUp ? [h('h3', {}, t('repair.followUp')), h('p', { 'data-testid': 'follow-up', 'data-status': c.followUp.status },
      h('b', {}, tCode('taskStatus', c.followUp.status)),
      c.followUp.status === 'open' ? ` · ${t('repair.dueAt', { at: time(c.followUp.dueAt) })}` : '',
      c.followUp.outcome ? ` · ${tCode('outcome', c.followUp.outcome)}` : '',
      c.followUp.completedAt ? ` · ${time(c.followUp.completedAt)}` : '',
      c.followUp.note ? h('span', { class: 'note' }, ` · ${c.followUp.note}`) : null)] : null,
  ];
}

/** The forms of the repair loop the caller's role may use on this case now. */
export function repairForms(ctx: ViewContext, c: RescueCase, names: RepairNames, post: (path: string, body: unknown, done: string, button?: HTMLButtonElement | null) => Promise<void>, result: HTMLElement): Child[] {
  const { role, stationId } = ctx.session.claims;
  const out: Child[] = [];
  const submit = (fn: (form: HTMLFormElement, v: Record<string, string>) => void) => (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    fn(form, formValues(form));
  };
  const repairedNow = REPAIRED_STATUSES.includes(c.status) || (c.status === 'closed' && Boolean(c.repair?.repairedAt));
  const runsIt = role === 'station' ? c.launch?.stationId === stationId : role === 'agent' || role === 'admin';
  const customerSide = role === 'customer' || role === 'advisor';
  const repairing = ['launched', 'on_site', 'repairing', 'waiting_parts'].includes(c.status);

  // Out of warranty the station quotes before it repairs.
  if (role === 'station' && runsIt && repairing && c.warranty && !c.warranty.covered && c.warranty.reason !== 'unknown_in_service_date' && c.quote?.status !== 'approved' && c.quote?.status !== 'pending') {
    const lines = (c.parts ?? []).filter((p) => p.status !== 'released');
    out.push(h('form', { class: 'card form', 'data-testid': 'quote-form', onsubmit: submit((f, v) => {
      const parts = lines.map((p) => ({ partNo: p.partNo, qty: p.qty, unitPriceCny: Number(v[`price-${p.partNo}`] ?? 0) }));
      void post('quote', { labourHours: Number(v['labourHours']), parts, amountCny: Number(v['amountCny']) }, t('repair.quoteSent'), f.querySelector('button'));
    }) },
      h('h2', {}, t('repair.quoteTitle')),
      lines.map((p) => h('label', {}, t('repair.unitPrice', { part: partName(p.partNo, names.parts), qty: p.qty }), h('input', { name: `price-${p.partNo}`, type: 'number', min: 0, step: '0.01', required: true }))),
      h('label', {}, t('repair.labourHours'), h('input', { name: 'labourHours', type: 'number', min: 0, step: '0.5', required: true })),
      h('label', {}, t('repair.amount'), h('input', { name: 'amountCny', type: 'number', min: 0, step: '0.01', required: true })),
      h('button', { class: 'button primary big', type: 'submit' }, t('repair.sendQuote'))));
  }
  if (customerSide && c.quote?.status === 'pending') {
    const note = h('input', { name: 'note', maxlength: 1000 });
    const decide = (approved: boolean) => (e: Event) => void post('quote/decision', { approved, ...(note.value.trim() ? { note: note.value.trim() } : {}) }, approved ? t('repair.quoteApproved') : t('repair.quoteRejected'), e.currentTarget as HTMLButtonElement);
    out.push(h('div', { class: 'card form', 'data-testid': 'quote-decision' },
      h('h2', {}, t('repair.decideQuote', { amount: formatNumber(c.quote.amountCny, 2) })),
      h('label', {}, t('case.noteOptional'), note),
      h('div', { class: 'inline-buttons' },
        h('button', { class: 'button primary', type: 'button', onclick: decide(true) }, t('repair.approve')),
        h('button', { class: 'button danger', type: 'button', onclick: decide(false) }, t('repair.reject')))));
  }
  if (role === 'station' && runsIt && c.claim?.status === 'draft') {
    out.push(h('form', { class: 'card form', 'data-testid': 'claim-form', onsubmit: submit((f, v) => void post('claim/submit', v['labourHours'] ? { labourHours: Number(v['labourHours']) } : {}, t('repair.claimSent'), f.querySelector('button'))) },
      h('h2', {}, t('repair.claimTitle')),
      h('label', {}, t('repair.labourHours'), h('input', { name: 'labourHours', type: 'number', min: 0, step: '0.5', value: c.claim.labourHours })),
      h('button', { class: 'button primary', type: 'submit' }, t('repair.submitClaim'))));
  }
  if (customerSide && repairedNow && !c.rating) {
    out.push(h('form', { class: 'card form', 'data-testid': 'rating-form', onsubmit: submit((f, v) => {
      if (!v['score']) return void errorInto(result, t('repair.pickScore'));
      void post('rating', { score: Number(v['score']), ...(v['comment'] ? { comment: v['comment'] } : {}) }, t('repair.rated'), f.querySelector<HTMLButtonElement>('button[type=submit]'));
    }) },
      h('h2', {}, t('repair.rateTitle')),
      h('fieldset', { class: 'choices stars-input' }, h('legend', {}, t('repair.score')),
        [1, 2, 3, 4, 5].map((n) => h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'score', value: n, required: true }), h('span', {}, t('repair.scoreOf', { n }))))),
      h('label', {}, t('repair.comment'), h('textarea', { name: 'comment', maxlength: 2000, rows: 2 })),
      h('button', { class: 'button primary', type: 'submit' }, t('repair.rate'))));
  }
  if (customerSide && c.status !== 'open') {
    out.push(h('details', { class: 'fold', 'data-testid': 'complaint-fold' }, h('summary', {}, t('complaint.file')),
      h('form', { class: 'card form', 'data-testid': 'complaint-form', onsubmit: submit(async (f, v) => {
        const button = f.querySelector('button');
        if (button) button.disabled = true;
        try {
          await ctx.api.post('/v1/complaints', { caseId: c.id, ...(c.launch ? { stationId: c.launch.stationId } : {}), text: v['text'] });
          errorInto(result, t('complaint.filed'), 'ok');
          f.reset();
        } catch (err) {
          result.replaceChildren(errorBox(err));
        } finally {
          if (button) button.disabled = false;
        }
      }) },
        h('label', {}, t('complaint.text'), h('textarea', { name: 'text', required: true, maxlength: 2000, rows: 3 })),
        h('button', { class: 'button', type: 'submit' }, t('complaint.submit')))));
  }
  return out;
}

function errorInto(el: HTMLElement, text: string, kind: 'ok' | 'error' = 'error'): void {
  el.replaceChildren(h('div', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, text));
}
