// Rescue cases in Redis. A case is one hash {v: version, json: RescueCase}. Every change is computed by the
// pure state machine (core/rescue-case.ts) and committed by one Lua script that, atomically with the write:
// checks the version (optimistic concurrency: two dispatchers or an API call racing a timer never both win),
// holds the vehicle's open-case lock, reserves/releases the station van (never more than the station has),
// maintains the listing indexes, and appends the event to the live stream. Either all of it happens or none.
// On Redis Cluster every key it touches carries the deployment prefix's hash tag (one slot, core/keys.ts), and the
// commit is acknowledged once the configured replicas have it (WAIT, infra/redis.ts writeConcern).
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { replicationGate, writeConcern, writeThenWait } from './redis.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { statIncrements } from '../core/rescue-stats.ts';
import { LIVE_EVENT_FIELD, LIVE_STREAM_MAXLEN, type LiveEvent } from '../core/events.ts';
import {
  isOpenStatus, newRescueCase, transition, vanHolder,
  type Actor, type CaseAction, type CaseClocks, type NewCaseInput, type RescueCase, type CaseStatus,
} from '../core/rescue-case.ts';

const COMMIT_CASE = `
local caseKey, openKey, reserveKey, releaseKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local caseIndex, activeKey, eventsKey, statsKey = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local expected, json, caseId, openAction = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local score, reserveLimit, release, activeScore = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local eventJson, maxlen, eventField = ARGV[9], ARGV[10], ARGV[11]
local current = tonumber(redis.call('HGET', caseKey, 'v') or '0')
if current ~= expected then return {'version', tostring(current)} end
if openAction == 'set' then
  local holder = redis.call('GET', openKey)
  if holder and holder ~= caseId then return {'open_exists', holder} end
end
if reserveLimit ~= '' and redis.call('SISMEMBER', reserveKey, caseId) == 0 then
  if redis.call('SCARD', reserveKey) >= tonumber(reserveLimit) then return {'no_van', ''} end
  redis.call('SADD', reserveKey, caseId)
end
if release == '1' then redis.call('SREM', releaseKey, caseId) end
redis.call('HSET', caseKey, 'v', current + 1, 'json', json)
if openAction == 'set' then redis.call('SET', openKey, caseId)
elseif openAction == 'del' and redis.call('GET', openKey) == caseId then redis.call('DEL', openKey) end
redis.call('ZADD', caseIndex, score, caseId)
local nIndex = tonumber(ARGV[12])
local nDue = #KEYS - 8 - nIndex
for i = 9, 8 + nIndex do redis.call('ZADD', KEYS[i], score, caseId) end
for j = 1, nDue do redis.call('ZADD', KEYS[8 + nIndex + j], ARGV[12 + j], caseId) end
if activeScore ~= '' then redis.call('ZADD', activeKey, activeScore, caseId) else redis.call('ZREM', activeKey, caseId) end
if eventJson ~= '' then redis.call('XADD', eventsKey, 'MAXLEN', '~', maxlen, '*', eventField, eventJson) end
for i = 13 + nDue, #ARGV, 2 do redis.call('HINCRBY', statsKey, ARGV[i], ARGV[i + 1]) end
return {'ok', tostring(current + 1)}
`;

/** A listing index of cases, newest report first. */
export type CaseIndex =
  | { readonly kind: 'all' }
  | { readonly kind: 'customer'; readonly id: string }
  | { readonly kind: 'station'; readonly id: string }
  | { readonly kind: 'vehicle'; readonly id: string };

/** Where a page ends: the report time and id of its last case (exclusive start of the next page). */
export interface CasePosition {
  readonly reportedMs: number;
  readonly id: string;
}

export interface CasePage {
  readonly items: RescueCase[];
  /** Absent when there is nothing after this page. */
  readonly next?: CasePosition;
}

export type CommitOutcome =
  | { ok: true; case: RescueCase; event?: string }
  | { ok: false; reason: 'version' | 'no_van' | 'open_exists'; holder?: string };

export interface CaseStoreDeps {
  redis: Redis;
  prefix: string;
  clocks: CaseClocks;
  now?: () => Date;
}

export function newCaseId(now: Date): string {
  return `rc-${now.getTime().toString(36)}-${randomBytes(5).toString('hex')}`;
}

export function createCaseStore(deps: CaseStoreDeps) {
  const { redis } = deps;
  const keys = redisKeys(deps.prefix);
  const now = deps.now ?? (() => new Date());
  redis.defineCommand('fleetCommitCase', { lua: COMMIT_CASE });
  const durability = writeConcern(redis);
  const gate = replicationGate(redis);
  /** Commits acknowledged without the configured replicas (WAIT timed out, or skipped while the gate is degraded). */
  let unreplicated = 0;
  type WithCommit = Redis & { fleetCommitCase(...args: Array<string | number>): Promise<[string, string]> };

  async function get(caseId: string): Promise<RescueCase | undefined> {
    const json = await redis.hget(keys.case(caseId), 'json');
    return json ? (JSON.parse(json) as RescueCase) : undefined;
  }

  async function require(caseId: string): Promise<RescueCase> {
    const found = await get(caseId);
    if (!found) throw new NotFoundError('rescue case', caseId);
    return found;
  }

  async function getMany(ids: readonly string[]): Promise<RescueCase[]> {
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(keys.case(id), 'json');
    const rows = (await pipeline.exec()) ?? [];
    return rows.flatMap(([, json]) => (typeof json === 'string' ? [JSON.parse(json) as RescueCase] : []));
  }

  function liveEvent(c: RescueCase, event: string, details: Record<string, unknown>, at: Date): LiveEvent {
    return {
      type: `rescue.${event}`,
      at: at.toISOString(),
      vin: c.vin,
      customerId: c.customerId,
      caseId: c.id,
      stationIds: [...c.stationIds],
      data: { ...details, status: c.status, escalated: c.escalated },
    };
  }

  /**
   * Writes `next` over `before` (undefined = a new case) if nobody changed the case meanwhile.
   * `vans` = capacity of the station that will hold a van afterwards (needed when it changes).
   */
  async function commit(
    before: RescueCase | undefined,
    next: RescueCase,
    event: string | undefined,
    details: Record<string, unknown>,
    vans: (stationId: string) => number,
  ): Promise<CommitOutcome> {
    const at = now();
    const expected = before?.version ?? 0;
    const stored: RescueCase = { ...next, version: expected + 1 };
    const holderBefore = before ? vanHolder(before) : undefined;
    const holderAfter = vanHolder(stored);
    const reserve = holderAfter !== undefined && holderAfter !== holderBefore ? holderAfter : undefined;
    const release = holderBefore !== undefined && holderBefore !== holderAfter ? holderBefore : undefined;
    const wasOpen = before ? isOpenStatus(before.status) : false;
    const isOpen = isOpenStatus(stored.status);
    const openAction = !wasOpen && isOpen ? 'set' : wasOpen && !isOpen ? 'del' : 'keep';
    const score = Date.parse(stored.reportedAt);
    const indexKeys = [
      keys.customerCases(stored.customerId),
      keys.vehicleCases(stored.vin),
      ...stored.stationIds.map((s) => keys.stationCases(s)),
    ];
    // Task indexes (the follow-up after a repair), scored by due time: written with the case, never apart from it.
    const dueIndexes: Array<[string, number]> = stored.followUp
      ? [[keys.tasksDue, Date.parse(stored.followUp.dueAt)], ...(stored.followUp.advisorId ? [[keys.advisorTasks(stored.followUp.advisorId), Date.parse(stored.followUp.dueAt)] as [string, number]] : [])]
      : [];
    const eventJson = event ? JSON.stringify(liveEvent(stored, event, details, at)) : '';
    const args: Array<string | number> = [
      8 + indexKeys.length + dueIndexes.length,
      keys.case(stored.id),
      keys.openCaseOfVehicle(stored.vin),
      keys.stationVansInUse(reserve ?? '-'),
      keys.stationVansInUse(release ?? '-'),
      keys.caseIndex,
      keys.activeCases,
      keys.events,
      keys.rescueStats,
      ...indexKeys,
      ...dueIndexes.map(([key]) => key),
      expected,
      JSON.stringify(stored),
      stored.id,
      openAction,
      score,
      reserve !== undefined ? vans(reserve) : '',
      release !== undefined ? '1' : '0',
      isOpen ? Date.parse(stored.escalateAt) : '',
      eventJson,
      LIVE_STREAM_MAXLEN,
      LIVE_EVENT_FIELD,
      indexKeys.length,
      ...dueIndexes.map(([, due]) => due),
      ...statIncrements(before, stored, event, details).flat(),
    ];
    let result: string;
    let value: string;
    const wait = gate.next();
    if (wait) {
      // WAIT in the same pipeline: it goes to the master that ran the commit (the case's slot on a cluster) and
      // returns once that many replicas have it, or after the timeout (then the commit stands, acknowledged by the
      // master alone, and is counted: degraded durability rather than a refused rescue).
      const { reply, acked } = await writeThenWait<[string, string]>(redis, gate, wait, (pipeline) =>
        (pipeline as unknown as { fleetCommitCase(...a: Array<string | number>): unknown }).fleetCommitCase(...args));
      [result, value] = reply;
      if (result === 'ok' && (acked ?? 0) < wait.replicas) unreplicated++;
    } else {
      // No WAIT: none configured, or the gate saw the last one time out (infra/redis.ts replicationGate).
      [result, value] = await (redis as WithCommit).fleetCommitCase(...args);
      if (result === 'ok' && durability.replicas > 0) unreplicated++;
    }
    if (result === 'ok') return { ok: true, case: stored, ...(event ? { event } : {}) };
    if (result === 'open_exists') return { ok: false, reason: 'open_exists', holder: value };
    return { ok: false, reason: result as 'version' | 'no_van' };
  }

  /** Opens a case, or returns the vehicle's open case (`created: false`) for the caller to attach to. */
  async function open(input: Omit<NewCaseInput, 'id'>): Promise<{ created: boolean; case: RescueCase }> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const holder = await redis.get(keys.openCaseOfVehicle(input.vin));
      if (holder) {
        const existing = await get(holder);
        if (existing && isOpenStatus(existing.status)) return { created: false, case: existing };
      }
      const fresh = newRescueCase({ ...input, id: newCaseId(input.reportedAt) }, deps.clocks);
      const outcome = await commit(undefined, fresh, 'opened', { source: fresh.source, spns: fresh.spns }, () => 0);
      if (outcome.ok) return { created: true, case: outcome.case };
      // open_exists: another opener won the race; loop and attach to theirs.
    }
    throw new ConflictError(`could not open a case for ${input.vin}: too much contention`);
  }

  /**
   * Applies an action with optimistic retries: reload, recompute, commit. A station without a free van
   * is a ConflictError (the caller decides: the dispatcher picks another station, the API answers 409).
   */
  async function apply(
    caseId: string,
    action: CaseAction,
    actor: Actor,
    vans: (stationId: string) => number = () => 0,
    /** The case as the caller just read it: saves a read; a stale copy only costs a retry. */
    known?: RescueCase,
  ): Promise<{ case: RescueCase; event?: string; changed: boolean }> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const before = attempt === 0 && known?.id === caseId ? known : await require(caseId);
      const { next, event, details } = transition(before, action, actor, now());
      if (next === before) return { case: before, changed: false };
      const outcome = await commit(before, next, event, details, vans);
      if (outcome.ok) return { case: outcome.case, ...(outcome.event ? { event: outcome.event } : {}), changed: true };
      if (outcome.reason === 'no_van') throw new ConflictError('the station has no free rescue van', [{ field: 'stationId', message: 'has no free rescue van' }]);
    }
    throw new ConflictError(`case ${caseId} is changing too fast; try again`);
  }

  function indexKey(index: CaseIndex): string {
    switch (index.kind) {
      case 'all': return keys.caseIndex;
      case 'customer': return keys.customerCases(index.id);
      case 'station': return keys.stationCases(index.id);
      case 'vehicle': return keys.vehicleCases(index.id);
    }
  }

  /**
   * One page of the cases in the union of `indexes` that `keep` accepts, newest report first, after `after`.
   * The indexes are merged in order (ties broken by id), read in slices, so a page costs about
   * `limit` case reads whatever the caller's scope, and scoping happens here, before the limit.
   */
  async function page(indexes: readonly CaseIndex[], opts: { after?: CasePosition; limit: number; keep: (c: RescueCase) => boolean }): Promise<CasePage> {
    const slice = Math.max(50, Math.min(500, opts.limit * 2));
    const after = opts.after;
    const before = (score: number, id: string) => !after || score < after.reportedMs || (score === after.reportedMs && id < after.id);
    // One reader per index: a buffer of (score, id) sorted newest first, refilled by ZRANGE … BYSCORE REV.
    const readers = [...new Set(indexes.map(indexKey))].map((key) => ({ key, offset: 0, buffer: [] as Array<{ score: number; id: string }>, done: false }));
    async function fill(r: (typeof readers)[number]): Promise<void> {
      while (!r.done && r.buffer.length === 0) {
        const max = after ? String(after.reportedMs) : '+inf';
        const rows = await redis.zrange(r.key, max, '-inf', 'BYSCORE', 'REV', 'LIMIT', r.offset, slice, 'WITHSCORES');
        r.offset += rows.length / 2;
        if (rows.length / 2 < slice) r.done = true;
        for (let i = 0; i < rows.length; i += 2) {
          const id = rows[i]!;
          const score = Number(rows[i + 1]);
          if (before(score, id)) r.buffer.push({ score, id });
        }
      }
    }
    const items: RescueCase[] = [];
    const seen = new Set<string>();
    let last: CasePosition | undefined;
    let exhausted = false;
    let leftover = false;
    while (items.length < opts.limit && !exhausted) {
      // Take the next batch of ids in merged order, then read those cases in one round trip.
      const batch: Array<{ score: number; id: string }> = [];
      while (batch.length < slice) {
        await Promise.all(readers.map(fill));
        let best: (typeof readers)[number] | undefined;
        for (const r of readers) {
          const head = r.buffer[0];
          if (!head) continue;
          const b = best?.buffer[0];
          if (!b || head.score > b.score || (head.score === b.score && head.id > b.id)) best = r;
        }
        if (!best) {
          exhausted = true;
          break;
        }
        const head = best.buffer.shift()!;
        if (seen.has(head.id)) continue;
        seen.add(head.id);
        batch.push(head);
      }
      const cases = new Map((await getMany(batch.map((b) => b.id))).map((c) => [c.id, c]));
      for (let i = 0; i < batch.length; i++) {
        const entry = batch[i]!;
        const c = cases.get(entry.id);
        last = { reportedMs: entry.score, id: entry.id };
        if (c && opts.keep(c)) items.push(c);
        if (items.length >= opts.limit) {
          leftover = i < batch.length - 1;
          break;
        }
      }
    }
    if (!leftover && items.length >= opts.limit) await Promise.all(readers.map(fill));
    const more = items.length >= opts.limit && (leftover || readers.some((r) => r.buffer.length > 0));
    return { items, ...(more && last ? { next: last } : {}) };
  }

  async function activeCaseIds(): Promise<string[]> {
    return redis.zrange(keys.activeCases, 0, -1);
  }

  /** Vans held per station right now. */
  async function vansInUse(stationIds: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (stationIds.length === 0) return result;
    const pipeline = redis.pipeline();
    for (const id of stationIds) pipeline.scard(keys.stationVansInUse(id));
    const rows = (await pipeline.exec()) ?? [];
    stationIds.forEach((id, i) => result.set(id, Number(rows[i]?.[1] ?? 0)));
    return result;
  }

  return { get, require, getMany, open, apply, page, activeCaseIds, vansInUse, unreplicatedCommits: () => unreplicated };
}

export type CaseStore = ReturnType<typeof createCaseStore>;
