// Complaints as the caller may see them (`GET /v1/complaints`): the answer due time on the working calendar,
// overdue and escalated marked; agents, admins and the station complained about answer; the network and the
// customer side close. Customers and stations by name from the shared directory.
import { throttle, type View } from '../context.ts';
import { formValues, h, render, type Child } from '../dom.ts';
import { time } from '../fmt.ts';
import { t, tCode } from '../i18n.ts';
import type { Complaint } from '../model.ts';
import { actionRunner, caseLink, empty, errorBox, loading, viewHead } from './common.ts';

const STATUSES = ['open', 'answered', 'closed'] as const;

export function complaintOverdue(c: Complaint, now = Date.now()): boolean {
  return c.status === 'open' && Date.parse(c.answerDue) < now;
}

export const complaintsView: View = (el, ctx, params) => {
  const { role, stationId } = ctx.session.claims;
  const status = STATUSES.find((s) => s === params['status']) ?? '';
  const overdueOnly = params['overdue'] === 'true';
  const list = h('div', { 'data-testid': 'complaints' }, loading());
  const result = h('div', { role: 'status' });
  const go = (next: { status?: string; overdue?: boolean }) => {
    const q = new URLSearchParams();
    const s = next.status ?? status;
    if (s) q.set('status', s);
    if (next.overdue ?? overdueOnly) q.set('overdue', 'true');
    ctx.navigate(`#/complaints${q.size ? `?${q}` : ''}`);
  };
  render(el, h('section', { class: 'panel' },
    viewHead(t('complaints.title')),
    h('div', { class: 'filters row' },
      h('select', { 'aria-label': t('col.status'), 'data-testid': 'complaint-status', onchange: (e: Event) => go({ status: (e.currentTarget as HTMLSelectElement).value }) },
        h('option', { value: '' }, t('complaints.all')), STATUSES.map((s) => h('option', { value: s, selected: s === status }, tCode('complaintStatus', s)))),
      h('label', {}, h('input', { type: 'checkbox', checked: overdueOnly, onchange: (e: Event) => go({ overdue: (e.currentTarget as HTMLInputElement).checked }) }), ' ', t('complaints.overdueOnly'))),
    result, list));

  const act = actionRunner(ctx, result, () => void load());

  const load = async () => {
    try {
      const [answer, customers, stations] = await Promise.all([
        ctx.api.get<{ items: Complaint[] }>('/v1/complaints', { status: status || undefined, overdue: overdueOnly || undefined, limit: 500 }),
        ctx.directory.customers().catch(() => new Map()),
        ctx.directory.stations().catch(() => new Map()),
      ]);
      const items = answer.items;
      if (!items.length) return render(list, empty(t('complaints.empty')));
      const now = Date.now();
      render(list, h('ul', { class: 'cards' }, items.map((c) => {
        const overdue = complaintOverdue(c, now);
        const mayAnswer = c.status === 'open' && (role === 'admin' || role === 'agent' || (role === 'station' && c.stationId === stationId));
        const mayClose = c.status !== 'closed' && role !== 'station';
        const forms: Child[] = [];
        if (mayAnswer) {
          forms.push(h('form', { class: 'form', 'data-testid': 'answer-form', onsubmit: (e: Event) => {
            e.preventDefault();
            const f = e.currentTarget as HTMLFormElement;
            void act(`/v1/complaints/${encodeURIComponent(c.id)}/answer`, { text: formValues(f)['text'] }, t('complaints.answered'), f.querySelector('button'));
          } },
            h('label', {}, t('complaints.answerText'), h('textarea', { name: 'text', required: true, maxlength: 4000, rows: 2 })),
            h('button', { class: 'button primary', type: 'submit' }, t('complaints.sendAnswer'))));
        }
        if (mayClose) {
          forms.push(h('button', { class: 'button small', type: 'button', 'data-testid': 'close-complaint', onclick: (e: Event) => void act(`/v1/complaints/${encodeURIComponent(c.id)}/close`, {}, t('complaints.closed'), e.currentTarget as HTMLButtonElement) }, t('complaints.close')));
        }
        return h('li', { class: `card${overdue ? ' highlight' : ''}`, 'data-complaint-id': c.id, 'data-status': c.status, 'data-overdue': String(overdue) },
          h('div', { class: 'card-title' },
            h('span', { class: `badge status-${c.status}` }, tCode('complaintStatus', c.status)), ' ',
            h('b', {}, customers.get(c.customerId)?.name ?? ''),
            c.stationId ? ` · ${stations.get(c.stationId)?.name ?? t('case.unknownStation')}` : '',
            c.caseId ? [' · ', caseLink({ id: c.caseId }, t('complaints.case'))] : null,
            overdue ? [' ', h('span', { class: 'badge escalated' }, t('complaints.overdue'))] : null,
            c.escalated ? [' ', h('span', { class: 'badge warn' }, t('complaints.escalated'))] : null),
          h('p', {}, c.text),
          h('p', { class: 'muted' }, `${t('complaints.filedAt')} ${time(c.filedAt)} · ${t('complaints.answerDue')} ${time(c.answerDue)}`),
          c.answer ? h('p', { 'data-testid': 'complaint-answer' }, h('b', {}, `${t('complaints.answer')}: `), c.answer.text, h('span', { class: 'muted' }, ` · ${time(c.answer.at)} · ${c.answer.inTime ? t('complaints.inTime') : t('complaints.late')}`)) : null,
          forms);
      })));
    } catch (err) {
      render(list, errorBox(err, () => void load()));
    }
  };
  void load();
  // A burst of live events costs one reload per 2 s.
  const reload = throttle(() => void load(), 2000);
  const unsubscribe = ctx.live.subscribe((e) => {
    if (e.type.startsWith('complaint.')) reload();
  });
  return () => {
    unsubscribe();
    reload.cancel();
  };
};
