// The part of the rescue API (docs/dispatch.md, api/routes/rescues.ts) the station responder uses, over HTTP.
// Responses are checked for the few fields the responder relies on; anything else is ignored.

export interface OfferView {
  attempt: number;
  stationId: string;
  outcome: string;
  etaMin: number;
}

export interface CaseView {
  id: string;
  status: string;
  escalated: boolean;
  offers: OfferView[];
  /** Stations the dispatcher considered, best first where kept. */
  candidates: Array<{ stationId: string; kept: boolean; etaMin: number }>;
  launch?: { stationId: string; at: string; etaMin?: number };
  customerId?: string;
  systems?: string[];
  /** Known out of warranty: the repair starts only after an approved quote. */
  needsQuote?: boolean;
  /** Parts lines of the case: when each is (or will be) at the station. */
  parts?: Array<{ partNo: string; qty: number; status: string; readyAt?: string }>;
}

export class RescueApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function asCaseView(value: unknown): CaseView | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Record<string, unknown>;
  if (typeof c.id !== 'string' || typeof c.status !== 'string' || !Array.isArray(c.offers)) return undefined;
  const offers: OfferView[] = [];
  for (const o of c.offers as Array<Record<string, unknown>>) {
    if (o && typeof o.stationId === 'string' && typeof o.attempt === 'number' && typeof o.outcome === 'string') {
      offers.push({ attempt: o.attempt, stationId: o.stationId, outcome: o.outcome, etaMin: typeof o.etaMin === 'number' ? o.etaMin : 30 });
    }
  }
  const l = c.launch as Record<string, unknown> | undefined;
  const launch = l && typeof l.stationId === 'string' && typeof l.at === 'string'
    ? { stationId: l.stationId, at: l.at, ...(typeof l.etaMin === 'number' ? { etaMin: l.etaMin } : {}) }
    : undefined;
  const parts = Array.isArray(c.parts)
    ? (c.parts as Array<Record<string, unknown>>).flatMap((p) => (p && typeof p.partNo === 'string' && typeof p.status === 'string'
      ? [{ partNo: p.partNo, qty: typeof p.qty === 'number' ? p.qty : 1, status: p.status, ...(typeof p.readyAt === 'string' ? { readyAt: p.readyAt } : {}) }]
      : []))
    : undefined;
  const extra = {
    ...(typeof c.customerId === 'string' ? { customerId: c.customerId } : {}),
    ...(Array.isArray(c.systems) ? { systems: (c.systems as unknown[]).filter((s): s is string => typeof s === 'string') } : {}),
    ...(parts ? { parts } : {}),
    ...(typeof c.warranty === 'object' && c.warranty !== null && /^expired_/.test(String((c.warranty as Record<string, unknown>).reason)) ? { needsQuote: true } : {}),
  };
  const candidates = (Array.isArray(c.candidates) ? (c.candidates as Array<Record<string, unknown>>) : [])
    .filter((x) => x && typeof x.stationId === 'string')
    .map((x) => ({ stationId: x.stationId as string, kept: x.kept === true, etaMin: typeof x.etaMin === 'number' ? x.etaMin : 30 }));
  return { id: c.id, status: c.status, escalated: c.escalated === true, offers, candidates, ...(launch ? { launch } : {}), ...extra };
}

/** What the simulators read of a complaint. */
export interface ComplaintView {
  id: string;
  caseId?: string;
  status: string;
  filedAt: string;
  answerDue: string;
  answeredAt?: string;
}

function asComplaintView(raw: unknown): ComplaintView | undefined {
  const c = raw as Record<string, unknown> | null;
  if (!c || typeof c.id !== 'string' || typeof c.status !== 'string' || typeof c.filedAt !== 'string' || typeof c.answerDue !== 'string') return undefined;
  const answer = c.answer as { at?: unknown } | undefined;
  return {
    id: c.id, status: c.status, filedAt: c.filedAt, answerDue: c.answerDue,
    ...(typeof c.caseId === 'string' ? { caseId: c.caseId } : {}),
    ...(typeof answer?.at === 'string' ? { answeredAt: answer.at } : {}),
  };
}

export interface RescueApiClientOptions {
  /** API base URL, e.g. http://127.0.0.1:3000 (routes under /v1). */
  readonly baseUrl: string;
  /** Token that lists the cases to answer (agent or admin: sees every station's offers). */
  readonly watchToken: string;
  /**
   * The station's own token (role station). Undefined: answer on the station's behalf with the watch
   * token, naming the station in the body (agent/admin mode).
   */
  readonly stationToken: (stationId: string) => Promise<string | undefined>;
  /** The customer's own token (role customer), for its rating; undefined: no rating is given. */
  readonly customerToken?: (customerId: string) => Promise<string | undefined>;
  readonly timeoutMs?: number;
}

export function createRescueApiClient(opts: RescueApiClientOptions) {
  const base = opts.baseUrl.replace(/\/+$/, '');

  async function call(method: 'GET' | 'POST', path: string, token: string, body?: object): Promise<unknown> {
    const res = await fetch(`${base}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch { /* not JSON */ }
      throw new RescueApiError(res.status, `${method} ${path}: ${res.status} ${message}`);
    }
    return text ? JSON.parse(text) : undefined;
  }

  async function asStation(stationId: string, path: string, body: Record<string, unknown>): Promise<void> {
    const own = await opts.stationToken(stationId);
    await call('POST', path, own ?? opts.watchToken, own ? body : { ...body, stationId });
  }

  return {
    async list(status: string): Promise<CaseView[]> {
      const body = (await call('GET', `/rescues?status=${encodeURIComponent(status)}&limit=1000`, opts.watchToken)) as { items?: unknown };
      return Array.isArray(body?.items) ? body.items.map(asCaseView).filter((c): c is CaseView => c !== undefined) : [];
    },
    accept: (caseId: string, stationId: string, details: { vanId: string; technician: string; etaMin: number }) =>
      asStation(stationId, `/rescues/${caseId}/accept`, details),
    /** Agent: assign a station by hand (escalated cases). Needs an agent or admin watch token. */
    assign: async (caseId: string, stationId: string, details: { etaMin: number; note: string }) => {
      await call('POST', `/rescues/${caseId}/assign`, opts.watchToken, { stationId, ...details });
    },
    decline: (caseId: string, stationId: string, reason: string) => asStation(stationId, `/rescues/${caseId}/decline`, { reason }),
    /** Progress is reported by the launching station; `stationId` in the body is not part of this route. */
    async status(caseId: string, stationId: string, status: 'on_site' | 'repairing' | 'waiting_parts' | 'repaired' | 'resolved' | 'towed' | 'closed'): Promise<void> {
      const own = await opts.stationToken(stationId);
      await call('POST', `/rescues/${caseId}/status`, own ?? opts.watchToken, { status });
    },
    /** Out of warranty: the station quotes, the customer approves (skipped without a customer token). */
    async quoteAndApprove(caseId: string, stationId: string, customerId: string, amountCny: number): Promise<boolean> {
      const customer = await opts.customerToken?.(customerId);
      if (!customer) return false;
      const own = await opts.stationToken(stationId);
      await call('POST', `/rescues/${caseId}/quote`, own ?? opts.watchToken, { labourHours: 2, parts: [], amountCny });
      await call('POST', `/rescues/${caseId}/quote/decision`, customer, { approved: true });
      return true;
    },
    /** The customer files a complaint about a case; answers the complaint id (undefined without a customer token). */
    async complain(caseId: string, customerId: string, text: string): Promise<string | undefined> {
      const token = await opts.customerToken?.(customerId);
      if (!token) return undefined;
      const filed = (await call('POST', '/complaints', token, { caseId, text })) as { id?: unknown };
      return typeof filed?.id === 'string' ? filed.id : undefined;
    },
    /** Complaints the watch token sees (agent/admin: all), newest first. */
    async complaints(status?: 'open' | 'answered' | 'closed'): Promise<ComplaintView[]> {
      const query = status ? `?status=${status}&limit=1000` : '?limit=1000';
      const body = (await call('GET', `/complaints${query}`, opts.watchToken)) as { items?: unknown };
      return Array.isArray(body?.items) ? body.items.map(asComplaintView).filter((c): c is ComplaintView => c !== undefined) : [];
    },
    /** The network (the watch token: an agent) answers a complaint. */
    async answerComplaint(id: string, text: string): Promise<void> {
      await call('POST', `/complaints/${id}/answer`, opts.watchToken, { text });
    },
    /** The customer rates the repair (skipped without a customer token). */
    async rate(caseId: string, customerId: string, score: number): Promise<boolean> {
      const token = await opts.customerToken?.(customerId);
      if (!token) return false;
      await call('POST', `/rescues/${caseId}/rating`, token, { score });
      return true;
    },
  };
}

export type RescueApiClient = ReturnType<typeof createRescueApiClient>;
