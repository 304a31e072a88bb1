// The follow-up calls (回访) of advisors and admins (`GET /v1/tasks`): overdue first, then by due time; each
// completed on the spot with its outcome and a note. Plates and customer names from the shared directory.
import { throttle, type View } from '../context.ts';
import { formValues, h, render } from '../dom.ts';
import { time } from '../fmt.ts';
import { t, tCode } from '../i18n.ts';
import type { Task } from '../model.ts';
import { caseLink, empty, errorBox, loading, viewHead } from './common.ts';

const OUTCOMES = ['satisfied', 'unsatisfied', 'unreachable'] as const;

/** Overdue first, then the soonest due; done tasks by completion, newest first. */
export function taskOrder(a: Task, b: Task): number {
  if (a.status !== b.status) return a.status === 'open' ? -1 : 1;
  if (a.status === 'done') return Date.parse(b.completedAt ?? b.dueAt) - Date.parse(a.completedAt ?? a.dueAt);
  return Number(b.overdue) - Number(a.overdue) || Date.parse(a.dueAt) - Date.parse(b.dueAt);
}

export const tasksView: View = (el, ctx, params) => {
  const tab = params['tab'] === 'done' ? 'done' : 'open';
  const list = h('div', { 'data-testid': 'tasks' }, loading());
  const result = h('div', { role: 'status' });
  render(el, h('section', { class: 'panel' },
    viewHead(t('tasks.title')),
    h('nav', { class: 'tabs', 'aria-label': t('tasks.title') },
      h('a', { href: '#/tasks', class: tab === 'open' ? 'active' : '', 'aria-current': tab === 'open' ? 'page' : null }, t('tasks.open')),
      h('a', { href: '#/tasks?tab=done', class: tab === 'done' ? 'active' : '', 'aria-current': tab === 'done' ? 'page' : null }, t('tasks.done'))),
    result, list));

  const load = async () => {
    try {
      const [answer, customers, fleet] = await Promise.all([
        ctx.api.get<{ items: Task[] }>('/v1/tasks', { kind: 'follow_up', status: tab, limit: 500 }),
        ctx.directory.customers().catch(() => new Map()),
        ctx.directory.fleet().catch(() => undefined),
      ]);
      const plates = new Map((fleet?.items ?? []).map((x) => [x.vin, x.plate]));
      const tasks = [...answer.items].sort(taskOrder);
      if (!tasks.length) return render(list, empty(t('tasks.empty')));
      render(list, h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, [t('tasks.task'), t('col.customer'), t('tasks.due'), tab === 'open' ? t('tasks.complete') : t('tasks.outcome')].map((x) => h('th', {}, x)))),
        h('tbody', {}, tasks.map((task) => {
          const plate = plates.get(task.vin) ?? task.vin;
          return h('tr', { 'data-task-id': task.id, 'data-overdue': String(task.overdue), class: task.overdue ? 'overdue' : '' },
            h('td', {}, caseLink({ id: task.caseId }, t('tasks.followUpOf', { plate }))),
            h('td', {}, customers.get(task.customerId)?.name ?? t('case.unknownCustomer')),
            h('td', {}, time(task.dueAt), task.overdue ? [' ', h('span', { class: 'badge escalated' }, t('tasks.overdue'))] : null),
            h('td', {}, task.status === 'open'
              ? h('form', { class: 'row', 'data-testid': 'complete-task', onsubmit: async (e: Event) => {
                  e.preventDefault();
                  const form = e.currentTarget as HTMLFormElement;
                  const v = formValues(form);
                  const button = form.querySelector('button');
                  if (button) button.disabled = true;
                  try {
                    await ctx.api.post(`/v1/tasks/${encodeURIComponent(task.id)}/complete`, { outcome: v['outcome'], ...(v['note'] ? { note: v['note'] } : {}) });
                    render(result, h('div', { class: 'ok' }, t('tasks.completed')));
                    void load();
                  } catch (err) {
                    render(result, errorBox(err));
                    if (button) button.disabled = false;
                  }
                } },
                  h('select', { name: 'outcome', required: true, 'aria-label': t('tasks.outcome') }, OUTCOMES.map((o) => h('option', { value: o }, tCode('outcome', o)))),
                  h('input', { name: 'note', maxlength: 2000, 'aria-label': t('tasks.note'), placeholder: t('tasks.note') }),
                  h('button', { class: 'button primary small', type: 'submit' }, t('tasks.complete')))
              : [h('b', {}, task.outcome ? tCode('outcome', task.outcome) : '–'), task.completedAt ? ` · ${time(task.completedAt)}` : '', task.note ? h('span', { class: 'note' }, ` · ${task.note}`) : null]));
        }))));
    } catch (err) {
      render(list, errorBox(err, () => void load()));
    }
  };
  void load();
  // A burst of live events costs one reload per 2 s.
  const reload = throttle(() => void load(), 2000);
  const unsubscribe = ctx.live.subscribe((e) => {
    if (e.type === 'rescue.repaired' || e.type === 'rescue.resolved' || e.type === 'rescue.follow_up_completed') reload();
  });
  return () => {
    unsubscribe();
    reload.cancel();
  };
};
