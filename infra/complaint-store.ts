// Complaints in Redis: one hash {v, json} each, written by one Lua script that checks the version and, in the
// same atomic step, maintains the listing indexes, the open-complaints-by-due-time set and the live event.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { LIVE_EVENT_FIELD, LIVE_STREAM_MAXLEN, type LiveEvent } from '../core/events.ts';
import { complaintTransition, type Complaint, type ComplaintAction } from '../core/complaint.ts';
import type { Actor } from '../core/rescue-case.ts';

const COMMIT = `
local key, openKey, eventsKey = KEYS[1], KEYS[2], KEYS[3]
local expected, json, id, score, openScore, eventJson, maxlen, field = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local current = tonumber(redis.call('HGET', key, 'v') or '0')
if current ~= expected then return 0 end
redis.call('HSET', key, 'v', current + 1, 'json', json)
for i = 4, #KEYS do redis.call('ZADD', KEYS[i], score, id) end
if openScore ~= '' then redis.call('ZADD', openKey, openScore, id) else redis.call('ZREM', openKey, id) end
if eventJson ~= '' then redis.call('XADD', eventsKey, 'MAXLEN', '~', maxlen, '*', field, eventJson) end
return 1
`;

export function createComplaintStore(deps: { redis: Redis; prefix: string; now?: () => Date }) {
  const redis = deps.redis as Redis & { fleetCommitComplaint(...args: Array<string | number>): Promise<number> };
  const keys = redisKeys(deps.prefix);
  const now = deps.now ?? (() => new Date());
  redis.defineCommand('fleetCommitComplaint', { lua: COMMIT });

  async function get(id: string): Promise<Complaint | undefined> {
    const json = await redis.hget(keys.complaint(id), 'json');
    return json ? (JSON.parse(json) as Complaint) : undefined;
  }

  async function commit(before: Complaint | undefined, next: Complaint, event: string | undefined, details: Record<string, unknown>): Promise<Complaint | undefined> {
    const stored = { ...next, version: (before?.version ?? 0) + 1 };
    const indexes = [keys.complaints, keys.customerComplaints(stored.customerId), ...(stored.stationId ? [keys.stationComplaints(stored.stationId)] : [])];
    const live: LiveEvent | undefined = event
      ? {
          type: `complaint.${event}`, at: now().toISOString(), customerId: stored.customerId,
          ...(stored.caseId ? { caseId: stored.caseId } : {}),
          ...(stored.stationId ? { stationIds: [stored.stationId] } : {}),
          data: { ...details, complaintId: stored.id, status: stored.status, escalated: stored.escalated },
        }
      : undefined;
    const ok = await redis.fleetCommitComplaint(
      3 + indexes.length, keys.complaint(stored.id), keys.openComplaints, keys.events, ...indexes,
      before?.version ?? 0, JSON.stringify(stored), stored.id, Date.parse(stored.filedAt),
      stored.status === 'open' ? Date.parse(stored.answerDue) : '',
      live ? JSON.stringify(live) : '', LIVE_STREAM_MAXLEN, LIVE_EVENT_FIELD,
    );
    return ok === 1 ? stored : undefined;
  }

  async function create(fields: Omit<Complaint, 'id' | 'version' | 'status' | 'escalated'>, details: Record<string, unknown>): Promise<Complaint> {
    const complaint: Complaint = { ...fields, id: `cp-${Date.parse(fields.filedAt).toString(36)}-${randomBytes(5).toString('hex')}`, status: 'open', escalated: false, version: 0 };
    const stored = await commit(undefined, complaint, 'filed', details);
    if (!stored) throw new ConflictError('could not file the complaint; try again');
    return stored;
  }

  async function apply(id: string, action: ComplaintAction, actor: Actor): Promise<{ complaint: Complaint; changed: boolean }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const before = await get(id);
      if (!before) throw new NotFoundError('complaint', id);
      const { next, event, details } = complaintTransition(before, action, actor, now());
      if (next === before) return { complaint: before, changed: false };
      const stored = await commit(before, next, event, details);
      if (stored) return { complaint: stored, changed: true };
    }
    throw new ConflictError(`complaint ${id} is changing too fast; try again`);
  }

  async function listIds(index: 'all' | { customerId: string } | { stationId: string }, fromMs = 0, toMs = Number.MAX_SAFE_INTEGER): Promise<string[]> {
    const key = index === 'all' ? keys.complaints : 'customerId' in index ? keys.customerComplaints(index.customerId) : keys.stationComplaints(index.stationId);
    return redis.zrangebyscore(key, fromMs, toMs);
  }

  async function getMany(ids: readonly string[]): Promise<Complaint[]> {
    if (ids.length === 0) return [];
    const rows = await redis.pipeline(ids.map((id) => ['hget', keys.complaint(id), 'json'])).exec();
    return (rows ?? []).flatMap(([, json]) => (typeof json === 'string' ? [JSON.parse(json) as Complaint] : []));
  }

  async function overdueIds(atMs: number): Promise<string[]> {
    return redis.zrangebyscore(keys.openComplaints, '-inf', atMs - 1);
  }

  return { get, create, apply, listIds, getMany, overdueIds };
}

export type ComplaintStore = ReturnType<typeof createComplaintStore>;
