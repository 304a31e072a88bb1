// Tasks of people (today: the follow-up call after each repair), read from the cases that carry them through the
// due-time indexes the case store writes with every commit. An advisor sees its own; admins and agents all.
import type { Redis } from 'ioredis';
import { seesEverything, type Caller } from '../core/auth.ts';
import { redisKeys } from '../core/keys.ts';
import { NotFoundError } from '../core/errors.ts';
import { followUpTitle } from '../core/repair-notices.ts';
import type { RescueCase } from '../core/rescue-case.ts';
import type { CaseStore } from '../infra/case-store.ts';
import type { Task } from '../core/task.ts';

export type { Task } from '../core/task.ts';

export interface TaskQuery {
  kind?: 'follow_up';
  status?: 'open' | 'done' | 'overdue';
  /** Due at or before this time. */
  dueBefore?: string;
  limit: number;
}

export function taskOf(c: RescueCase, now: Date): Task | undefined {
  const f = c.followUp;
  if (!f) return undefined;
  return {
    id: f.id, kind: f.kind, caseId: c.id, vin: c.vin, customerId: c.customerId,
    ...(c.launch ? { stationId: c.launch.stationId } : {}),
    ...(f.advisorId ? { advisorId: f.advisorId } : {}),
    title: followUpTitle(c.vin), dueAt: f.dueAt, status: f.status,
    overdue: f.status === 'open' && Date.parse(f.dueAt) < now.getTime(),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(f.note ? { note: f.note } : {}),
    ...(f.completedAt ? { completedAt: f.completedAt } : {}),
  };
}

/** Task ids are `fu-<caseId>`. */
export function caseIdOfTask(taskId: string): string | undefined {
  return taskId.startsWith('fu-') ? taskId.slice(3) : undefined;
}

export function createTaskQueries(deps: { redis: Pick<Redis, 'zrangebyscore'>; prefix: string; cases: Pick<CaseStore, 'getMany' | 'get'>; now?: () => Date }) {
  const keys = redisKeys(deps.prefix);
  const now = deps.now ?? (() => new Date());

  function mayWork(caller: Caller, t: Task): boolean {
    return seesEverything(caller) || (caller.role === 'advisor' && t.advisorId === caller.advisorId);
  }

  async function list(caller: Caller, q: TaskQuery): Promise<Task[]> {
    if (!seesEverything(caller) && caller.role !== 'advisor') return [];
    const key = caller.role === 'advisor' ? keys.advisorTasks(caller.advisorId!) : keys.tasksDue;
    const max = q.dueBefore ? Date.parse(q.dueBefore) : q.status === 'overdue' ? now().getTime() : '+inf';
    const ids = await deps.redis.zrangebyscore(key, '-inf', max);
    const at = now();
    const tasks = (await deps.cases.getMany(ids)).flatMap((c) => taskOf(c, at) ?? []).filter((t) => mayWork(caller, t));
    return tasks
      .filter((t) => (q.kind === undefined || t.kind === q.kind) && (q.status === undefined || (q.status === 'overdue' ? t.overdue : t.status === q.status)))
      .slice(0, q.limit);
  }

  /** The task if the caller may work on it; 404 otherwise. */
  async function visibleTask(caller: Caller, taskId: string): Promise<Task> {
    const caseId = caseIdOfTask(taskId);
    const c = caseId ? await deps.cases.get(caseId) : undefined;
    const t = c ? taskOf(c, now()) : undefined;
    if (!t || t.id !== taskId || !mayWork(caller, t)) throw new NotFoundError('task', taskId);
    return t;
  }

  return { list, visibleTask };
}

export type TaskQueries = ReturnType<typeof createTaskQueries>;
