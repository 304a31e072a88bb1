// The audit trail: who (user id and name, API key or operator token), what (method and route), which
// object, when, from where and the outcome of every state-changing request.
//
// Kept in a Redis Stream rather than InfluxDB: entries are exact records read back by user, object and
// time, not numbers to aggregate; user and object ids would be high-cardinality tags, which InfluxDB
// handles badly; the API already depends on Redis, so recording adds no second store a request could fail
// on; and a stream id is its time, so time ranges are XREVRANGE and retention is XTRIM MINID (plus a
// MAXLEN cap), both bounded by configuration (AUDIT_RETENTION_DAYS, AUDIT_MAX_ENTRIES).
import type { Role } from '../core/auth.ts';
import type { AuditConfig } from '../infra/accounts-config.ts';
import type { AuditStream } from '../infra/audit-stream.ts';

export type AuditActorKind = 'user' | 'api-key' | 'token' | 'anonymous';
export type AuditOutcome = 'ok' | 'refused' | 'failed';

export interface AuditActor {
  readonly kind: AuditActorKind;
  /** User id, `key:<id>` for an API key, the token's subject; absent when anonymous. */
  readonly id?: string;
  readonly name?: string;
  readonly role?: Role;
}

export interface AuditRecord {
  readonly actor: AuditActor;
  /** Method and route pattern, e.g. `POST /v1/rescues/:id/cancel`. */
  readonly action: string;
  /** `<area>/<id>` of the object acted on, when the route names one. */
  readonly object?: string;
  readonly outcome: AuditOutcome;
  readonly status: number;
  readonly address: string;
  readonly requestId: string;
}

export interface AuditEntry extends AuditRecord {
  readonly id: string;
  readonly at: string;
}

export interface AuditQuery {
  readonly userId?: string;
  readonly object?: string;
  /** Epoch ms, inclusive. */
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly limit: number;
  /** Paging: the `next` of the previous page. */
  readonly before?: string;
}

/** How many entries one query reads at most before it answers with what it found and a `next` cursor. */
const SCAN_BUDGET = 50_000;
const BATCH = 1000;

function toFields(record: AuditRecord): Record<string, string> {
  const f: Record<string, string> = {
    actorKind: record.actor.kind,
    action: record.action,
    outcome: record.outcome,
    status: String(record.status),
    address: record.address,
    requestId: record.requestId,
  };
  if (record.actor.id !== undefined) f['actorId'] = record.actor.id;
  if (record.actor.name !== undefined) f['actorName'] = record.actor.name;
  if (record.actor.role !== undefined) f['actorRole'] = record.actor.role;
  if (record.object !== undefined) f['object'] = record.object;
  return f;
}

function fromFields(id: string, f: Readonly<Record<string, string>>): AuditEntry {
  return {
    id,
    at: new Date(Number(id.split('-')[0])).toISOString(),
    actor: {
      kind: (f['actorKind'] ?? 'anonymous') as AuditActorKind,
      ...(f['actorId'] !== undefined ? { id: f['actorId'] } : {}),
      ...(f['actorName'] !== undefined ? { name: f['actorName'] } : {}),
      ...(f['actorRole'] !== undefined ? { role: f['actorRole'] as Role } : {}),
    },
    action: f['action'] ?? '',
    ...(f['object'] !== undefined ? { object: f['object'] } : {}),
    outcome: (f['outcome'] ?? 'ok') as AuditOutcome,
    status: Number(f['status'] ?? 0),
    address: f['address'] ?? '',
    requestId: f['requestId'] ?? '',
  };
}

export function createAuditTrail(deps: { stream: AuditStream; config: AuditConfig; now?: () => number }) {
  const { stream, config } = deps;
  const now = deps.now ?? Date.now;
  const retentionMs = config.retentionDays * 24 * 3600 * 1000;
  return {
    async record(record: AuditRecord): Promise<string> {
      return stream.append(toFields(record), { minTimeMs: now() - retentionMs, maxEntries: config.maxEntries });
    },

    /** Newest first; `next` is set when more entries may match (pass it as `before`). */
    async query(q: AuditQuery): Promise<{ items: AuditEntry[]; next?: string }> {
      const items: AuditEntry[] = [];
      let before = q.before;
      let scanned = 0;
      for (;;) {
        const batch = await stream.newestFirst({ fromMs: q.fromMs ?? 0, ...(q.toMs !== undefined ? { toMs: q.toMs } : {}), ...(before ? { beforeId: before } : {}) }, BATCH);
        for (const row of batch) {
          scanned += 1;
          before = row.id;
          const entry = fromFields(row.id, row.fields);
          if (q.userId !== undefined && entry.actor.id !== q.userId) continue;
          if (q.object !== undefined && entry.object !== q.object) continue;
          items.push(entry);
          if (items.length === q.limit) return { items, next: row.id };
        }
        if (batch.length < BATCH) return { items };
        if (scanned >= SCAN_BUDGET) return { items, ...(before ? { next: before } : {}) };
      }
    },
  };
}

export type AuditTrail = ReturnType<typeof createAuditTrail>;
