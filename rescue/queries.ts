// Reading rescue cases as a caller may see them: one case, or a cursor-paged list. Scoping is applied in
// the query (the indexes a caller may read and a per-case rule), before the page limit, so an advisor whose
// customers' cases are old still gets them; a station gets its own view of each case (core/auth.ts).
import { caseAsSeenBy, caseInScope, type Caller, type CustomerScope } from '../core/auth.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { CaseStatus, RescueCase } from '../core/rescue-case.ts';
import type { CaseIndex, CasePosition, CaseStore } from '../infra/case-store.ts';

export interface RescueListQuery {
  status?: CaseStatus;
  customerId?: string;
  vin?: string;
  stationId?: string;
  escalated?: boolean;
  limit: number;
  /** Opaque position from a previous page's `nextCursor`. */
  cursor?: string;
}

export interface RescueListPage {
  items: RescueCase[];
  nextCursor?: string;
}

export function encodeCursor(p: CasePosition): string {
  return Buffer.from(`${p.reportedMs}:${p.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CasePosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(\d{1,15}):([A-Za-z0-9_-]{1,64})$/.exec(text);
  if (!m) throw new ValidationError('querystring.cursor is not a cursor of this list', [{ field: 'querystring.cursor', message: 'is not a cursor returned by this list' }]);
  return { reportedMs: Number(m[1]), id: m[2]! };
}

export function createRescueQueries(deps: {
  cases: Pick<CaseStore, 'get' | 'page'>;
  /** What customers a caller may see (api/scope.ts resolves it from the registry). */
  scope: { customers(caller: Caller): Promise<CustomerScope> };
}) {
  const scopeOf = (caller: Caller) => deps.scope.customers(caller);

  /** The case if the caller may see it, as the caller may see it; 404 otherwise (never reveals existence). */
  async function visibleCase(caller: Caller, id: string): Promise<RescueCase> {
    const c = await deps.cases.get(id);
    if (!c || !caseInScope(caller, c, await scopeOf(caller))) throw new NotFoundError('rescue case', id);
    return c;
  }

  /** The smallest set of indexes that holds every case the caller may see and the filter asks for. */
  function indexesFor(caller: Caller, q: RescueListQuery, scope: CustomerScope): CaseIndex[] {
    if (caller.role === 'station') return [{ kind: 'station', id: caller.stationId! }];
    if (q.vin) return [{ kind: 'vehicle', id: q.vin }];
    if (q.customerId) return [{ kind: 'customer', id: q.customerId }];
    if (scope.all) return q.stationId ? [{ kind: 'station', id: q.stationId }] : [{ kind: 'all' }];
    return [...scope.customerIds].map((id) => ({ kind: 'customer' as const, id }));
  }

  async function list(caller: Caller, q: RescueListQuery): Promise<RescueListPage> {
    // Asking for another station's or another customer's cases is asking for nothing.
    if (caller.role === 'station' && q.stationId !== undefined && q.stationId !== caller.stationId) return { items: [] };
    if (caller.role === 'customer' && q.customerId !== undefined && q.customerId !== caller.customerId) return { items: [] };
    const scope = await scopeOf(caller);
    const after = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
    const keep = (c: RescueCase) =>
      caseInScope(caller, c, scope) &&
      (q.status === undefined || c.status === q.status) &&
      (q.customerId === undefined || c.customerId === q.customerId) &&
      (q.vin === undefined || c.vin === q.vin) &&
      (q.stationId === undefined || c.stationIds.includes(q.stationId)) &&
      (q.escalated === undefined || c.escalated === q.escalated);
    const page = await deps.cases.page(indexesFor(caller, q, scope), { ...(after ? { after } : {}), limit: q.limit, keep });
    return {
      items: page.items.map((c) => caseAsSeenBy(caller, c)),
      ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}),
    };
  }

  return { visibleCase, list };
}

export type RescueQueries = ReturnType<typeof createRescueQueries>;
