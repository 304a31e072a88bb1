// Complaints: a customer or advisor files one about a case or a station; it is due for an answer within N working
// days (Chinese working calendar, core/working-calendar.ts), answered by the network (admin, agent, or the station
// complained about), escalated once when overdue (the dispatcher's sweep calls `escalateOverdue`), closed.
// Who sees one: admin/agent all; a customer its own; an advisor its customers'; a station those about it.
import { customerInScope, seesEverything, type Caller, type CustomerScope } from '../core/auth.ts';
import { DomainError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { Complaint } from '../core/complaint.ts';
import type { Actor, RescueCase } from '../core/rescue-case.ts';
import { workingDaysDue } from '../core/working-calendar.ts';
import type { ComplaintStore } from '../infra/complaint-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { RepairSettingsStore } from '../infra/repair-settings-store.ts';

export interface FileComplaint {
  caseId?: string;
  stationId?: string;
  /** Advisors name the customer when the complaint is about a station only. */
  customerId?: string;
  text: string;
}

export interface ComplaintsDeps {
  store: ComplaintStore;
  registry: Pick<RegistryStore, 'get'>;
  settings: Pick<RepairSettingsStore, 'calendar'>;
  scope: { customers(caller: Caller): Promise<CustomerScope> };
  /** The case if the caller may see it (404 otherwise: rescue/queries.ts visibleCase). */
  visibleCase: (caller: Caller, id: string) => Promise<RescueCase>;
  answerWorkingDays: number;
  now?: () => Date;
}

export function actorOfCaller(caller: Caller): Actor {
  return { kind: caller.role, id: caller.stationId ?? caller.customerId ?? caller.advisorId ?? caller.sub };
}

/** Escalates every complaint whose answer is overdue at `at` (idempotent: each once). The dispatcher's sweep runs it. */
export async function escalateOverdueComplaints(store: Pick<ComplaintStore, 'overdueIds' | 'apply'>, at: Date): Promise<number> {
  let escalated = 0;
  for (const id of await store.overdueIds(at.getTime())) {
    if ((await store.apply(id, { type: 'escalate' }, { kind: 'dispatcher', id: 'dispatcher' })).changed) escalated++;
  }
  return escalated;
}

export function createComplaints(deps: ComplaintsDeps) {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());

  function inScope(caller: Caller, c: Complaint, scope: CustomerScope): boolean {
    if (seesEverything(caller)) return true;
    if (caller.role === 'station') return c.stationId === caller.stationId;
    return customerInScope(scope, c.customerId);
  }

  async function visible(caller: Caller, id: string): Promise<Complaint> {
    const c = await store.get(id);
    if (!c || !inScope(caller, c, await deps.scope.customers(caller))) throw new NotFoundError('complaint', id);
    return c;
  }

  async function file(caller: Caller, input: FileComplaint): Promise<Complaint> {
    if (input.caseId === undefined && input.stationId === undefined) {
      throw new ValidationError('a complaint is about a case or a station', [{ field: 'body.caseId', message: 'give caseId or stationId' }]);
    }
    let customerId: string;
    let stationId = input.stationId;
    if (input.caseId !== undefined) {
      const c = await deps.visibleCase(caller, input.caseId);
      customerId = c.customerId;
      stationId ??= c.launch?.stationId;
      if (input.customerId !== undefined && input.customerId !== customerId) throw new ValidationError('customerId is not the case\'s customer', [{ field: 'body.customerId', message: 'differs from the case\'s customer' }]);
    } else if (caller.role === 'customer') {
      customerId = caller.customerId!;
    } else {
      if (!input.customerId) throw new ValidationError('name the customer the complaint is for', [{ field: 'body.customerId', message: 'is required without caseId' }]);
      if (!customerInScope(await deps.scope.customers(caller), input.customerId)) throw new NotFoundError('customer', input.customerId);
      customerId = input.customerId;
    }
    if (stationId !== undefined && !(await deps.registry.get('station', stationId))) throw new NotFoundError('station', stationId);
    const filedAt = now();
    const answerDue = workingDaysDue(filedAt, deps.answerWorkingDays, await deps.settings.calendar());
    return store.create({
      customerId,
      ...(input.caseId !== undefined ? { caseId: input.caseId } : {}),
      ...(stationId !== undefined ? { stationId } : {}),
      text: input.text,
      filedBy: actorOfCaller(caller),
      filedAt: filedAt.toISOString(),
      answerDue: answerDue.toISOString(),
    }, { answerDue: answerDue.toISOString(), stationId });
  }

  async function list(caller: Caller, q: { status?: Complaint['status']; overdue?: boolean; stationId?: string; limit: number }): Promise<Complaint[]> {
    const scope = await deps.scope.customers(caller);
    const ids = caller.role === 'station'
      ? await store.listIds({ stationId: caller.stationId! })
      : caller.role === 'customer'
        ? await store.listIds({ customerId: caller.customerId! })
        : q.stationId
          ? await store.listIds({ stationId: q.stationId })
          : await store.listIds('all');
    const t = now().getTime();
    return (await store.getMany(ids.reverse()))
      .filter((c) => inScope(caller, c, scope))
      .filter((c) => (q.status === undefined || c.status === q.status) && (q.overdue === undefined || (c.status === 'open' && Date.parse(c.answerDue) < t) === q.overdue))
      .slice(0, q.limit);
  }

  async function answer(caller: Caller, id: string, text: string): Promise<Complaint> {
    const c = await visible(caller, id);
    if (!seesEverything(caller) && !(caller.role === 'station' && c.stationId === caller.stationId)) {
      throw new DomainError('forbidden', 'the network (an agent, an admin or the station complained about) answers a complaint');
    }
    return (await store.apply(id, { type: 'answer', text }, actorOfCaller(caller))).complaint;
  }

  async function close(caller: Caller, id: string, note: string | undefined): Promise<Complaint> {
    await visible(caller, id);
    if (caller.role === 'station') throw new DomainError('forbidden', 'the complainant or the network closes a complaint');
    return (await store.apply(id, { type: 'close', ...(note !== undefined ? { note } : {}) }, actorOfCaller(caller))).complaint;
  }

  return { file, list, visible, answer, close };
}

export type Complaints = ReturnType<typeof createComplaints>;
