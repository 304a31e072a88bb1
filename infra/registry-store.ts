// Registry persistence in Redis: one hash per kind (id → JSON), a per-kind version counter, a
// vehicles-by-customer index, per-customer assignments with history, and the scope indexes
// (station → customers served, advisor → customers looked after). Writes are idempotent: storing an
// identical entity changes nothing. Index maintenance runs in Lua inside the same atomic unit as the
// write, so a process killed at any point leaves the registry and its indexes consistent.
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { registryId, type Assignment, type Customer, type RegistryKind, type RegistryKinds, type Vehicle } from '../core/registry.ts';

export type PutOutcome = 'created' | 'updated' | 'unchanged';

export interface AssignmentChange extends Assignment {
  previous: Assignment | null;
}

export interface ListQuery<T> {
  offset?: number;
  limit?: number;
  /** Keeps only entities for which it returns true (filters and scope). */
  where?: (entity: T) => boolean;
  /** Restricts the scan to these ids (e.g. the vehicles of one customer). */
  ids?: readonly string[];
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

/**
 * Lua body that recomputes the scope indexes of one customer from its assignments hash and lead advisor.
 * Expects `reindex(assignmentsKey, customersHash, customerAdvisorsKey, customerStationsKey, customerId,
 * advisorPrefix, stationPrefix)`. (Keys of the reverse sets are derived in the script: this layout
 * targets a single Redis node.)
 */
const REINDEX_FUNCTION = `
local function reindex(assignmentsKey, customersHash, ownAdvisorsKey, ownStationsKey, customerId, advisorPrefix, stationPrefix)
  local advisors, stations = {}, {}
  local customerJson = redis.call('HGET', customersHash, customerId)
  if customerJson then
    local customer = cjson.decode(customerJson)
    if type(customer.leadAdvisorId) == 'string' then advisors[customer.leadAdvisorId] = true end
  end
  for _, json in ipairs(redis.call('HVALS', assignmentsKey)) do
    local a = cjson.decode(json)
    advisors[a.advisorId] = true
    stations[a.stationId] = true
  end
  local function sync(ownKey, wanted, reversePrefix)
    for _, old in ipairs(redis.call('SMEMBERS', ownKey)) do
      if not wanted[old] then
        redis.call('SREM', reversePrefix .. old, customerId)
        redis.call('SREM', ownKey, old)
      end
    end
    for id in pairs(wanted) do
      redis.call('SADD', reversePrefix .. id, customerId)
      redis.call('SADD', ownKey, id)
    end
  end
  sync(ownAdvisorsKey, advisors, advisorPrefix)
  sync(ownStationsKey, stations, stationPrefix)
end
`;

/**
 * KEYS = assignments(C), registry(customer), customerAdvisors(C), customerStations(C)
 * ARGV = customerId, advisorCustomers key prefix, stationCustomers key prefix
 */
const REINDEX_CUSTOMER = `${REINDEX_FUNCTION}
reindex(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3])
return 1
`;

/**
 * Compare-and-set of one region's assignment plus history entry and scope indexes, atomically. Returns 0
 * when the current value is not the expected one (a concurrent change): the caller re-reads and retries.
 * KEYS = assignments(C), assignmentHistory(C), registryVersion(customer), registry(customer),
 *        customerAdvisors(C), customerStations(C)
 * ARGV = region, expected JSON ('' = none), next JSON, history entry JSON, customerId, advisor prefix, station prefix
 */
const ASSIGN_CAS = `${REINDEX_FUNCTION}
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('LPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], 0, 9999)
redis.call('INCR', KEYS[3])
reindex(KEYS[1], KEYS[4], KEYS[5], KEYS[6], ARGV[5], ARGV[6], ARGV[7])
return 1
`;

export function createRegistryStore(deps: { redis: Redis; prefix: string }) {
  const { redis } = deps;
  const keys = redisKeys(deps.prefix);
  const advisorPrefix = keys.advisorCustomers('');
  const stationPrefix = keys.stationCustomers('');

  async function get<K extends RegistryKind>(kind: K, id: string): Promise<RegistryKinds[K] | undefined> {
    const json = await redis.hget(keys.registry(kind), id);
    return json ? (JSON.parse(json) as RegistryKinds[K]) : undefined;
  }

  async function getMany<K extends RegistryKind>(kind: K, ids: readonly string[]): Promise<Array<RegistryKinds[K] | undefined>> {
    if (ids.length === 0) return [];
    const values = await redis.hmget(keys.registry(kind), ...ids);
    return values.map((json) => (json ? (JSON.parse(json) as RegistryKinds[K]) : undefined));
  }

  /** Every id of a kind (a scan over a large kind reads the entities in chunks with `getMany`). */
  async function ids(kind: RegistryKind): Promise<string[]> {
    return redis.hkeys(keys.registry(kind));
  }

  async function list<K extends RegistryKind>(kind: K): Promise<Array<RegistryKinds[K]>> {
    const all = await redis.hvals(keys.registry(kind));
    return all.map((json) => JSON.parse(json) as RegistryKinds[K]);
  }

  /** One page of a kind, sorted by id, after filtering. Fine for the registry's size (≤ ~100k rows per kind). */
  async function page<K extends RegistryKind>(kind: K, query: ListQuery<RegistryKinds[K]> = {}): Promise<Page<RegistryKinds[K]>> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    if (!query.where) {
      // No filter: sort the ids only and read just the page.
      const ids = [...(query.ids ?? (await redis.hkeys(keys.registry(kind))))].sort();
      const items = (await getMany(kind, ids.slice(offset, offset + limit))).filter((e): e is RegistryKinds[K] => e !== undefined);
      return { items, total: ids.length, offset, limit };
    }
    const entities = query.ids
      ? (await getMany(kind, query.ids)).filter((e): e is RegistryKinds[K] => e !== undefined)
      : await list(kind);
    const kept = query.where ? entities.filter(query.where) : entities;
    kept.sort((a, b) => {
      const ia = registryId(kind, a);
      const ib = registryId(kind, b);
      return ia < ib ? -1 : ia > ib ? 1 : 0;
    });
    return { items: kept.slice(offset, offset + limit), total: kept.length, offset, limit };
  }

  const reindexArgs = (customerId: string) =>
    [
      REINDEX_CUSTOMER, 4,
      keys.assignments(customerId), keys.registry('customer'), keys.customerAdvisors(customerId), keys.customerStations(customerId),
      customerId, advisorPrefix, stationPrefix,
    ] as const;

  /** Recomputes one customer's scope indexes (repair tool; writes keep them current atomically). */
  async function reindexCustomer(customerId: string): Promise<void> {
    await redis.eval(...reindexArgs(customerId));
  }

  /**
   * Stores entities (already validated) in one transaction; returns the outcome for each, in order.
   * Either every changed entity is stored or (on a Redis error) none is.
   */
  async function putMany<K extends RegistryKind>(kind: K, entities: ReadonlyArray<RegistryKinds[K]>): Promise<PutOutcome[]> {
    if (entities.length === 0) return [];
    const ids = entities.map((e) => registryId(kind, e));
    const before = await redis.hmget(keys.registry(kind), ...ids);
    const outcomes: PutOutcome[] = [];
    const tx = redis.multi();
    let changed = false;
    entities.forEach((entity, i) => {
      const json = JSON.stringify(entity);
      const previous = before[i];
      if (previous === json) {
        outcomes.push('unchanged');
        return;
      }
      outcomes.push(previous ? 'updated' : 'created');
      changed = true;
      tx.hset(keys.registry(kind), ids[i]!, json);
      if (kind === 'vehicle') {
        const vehicle = entity as Vehicle;
        if (previous) {
          const old = JSON.parse(previous) as Vehicle;
          if (old.customerId !== vehicle.customerId) tx.srem(keys.customerVehicles(old.customerId), vehicle.vin);
        }
        tx.sadd(keys.customerVehicles(vehicle.customerId), vehicle.vin);
      }
      if (kind === 'customer') {
        // The lead advisor is part of the scope indexes: recompute them inside the same transaction.
        const old = previous ? (JSON.parse(previous) as Customer) : undefined;
        if (old?.leadAdvisorId !== (entity as Customer).leadAdvisorId) tx.eval(...reindexArgs(ids[i]!));
      }
    });
    if (changed) {
      tx.incr(keys.registryVersion(kind));
      await tx.exec();
    }
    return outcomes;
  }

  async function put<K extends RegistryKind>(kind: K, entity: RegistryKinds[K]): Promise<PutOutcome> {
    const [outcome] = await putMany(kind, [entity]);
    return outcome!;
  }

  async function version(kind: RegistryKind): Promise<number> {
    return Number((await redis.get(keys.registryVersion(kind))) ?? 0);
  }

  async function vehiclesOfCustomer(customerId: string): Promise<string[]> {
    return redis.smembers(keys.customerVehicles(customerId));
  }

  async function assignments(customerId: string): Promise<Assignment[]> {
    const all = await redis.hvals(keys.assignments(customerId));
    return all.map((json) => JSON.parse(json) as Assignment).sort((a, b) => a.region.localeCompare(b.region));
  }

  async function assignment(customerId: string, region: string): Promise<Assignment | undefined> {
    const json = await redis.hget(keys.assignments(customerId), region);
    return json ? (JSON.parse(json) as Assignment) : undefined;
  }

  /**
   * Sets (or replaces) the assignment of one region, appends the change to the history and updates the
   * scope indexes. Returns 'unchanged' when the same station and advisor are already assigned.
   */
  async function assign(customerId: string, next: Assignment): Promise<'created' | 'updated' | 'unchanged'> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const currentJson = (await redis.hget(keys.assignments(customerId), next.region)) ?? '';
      const current = currentJson ? (JSON.parse(currentJson) as Assignment) : null;
      if (current && current.stationId === next.stationId && current.advisorId === next.advisorId) return 'unchanged';
      const history: AssignmentChange = { ...next, previous: current };
      const ok = await redis.eval(
        ASSIGN_CAS, 6,
        keys.assignments(customerId), keys.assignmentHistory(customerId), keys.registryVersion('customer'),
        keys.registry('customer'), keys.customerAdvisors(customerId), keys.customerStations(customerId),
        next.region, currentJson, JSON.stringify(next), JSON.stringify(history), customerId, advisorPrefix, stationPrefix,
      );
      if (ok === 1) return current ? 'updated' : 'created';
    }
    throw new Error(`assignment of ${customerId}/${next.region} kept changing concurrently`);
  }

  async function assignmentHistory(customerId: string, limit = 100): Promise<AssignmentChange[]> {
    const rows = await redis.lrange(keys.assignmentHistory(customerId), 0, limit - 1);
    return rows.map((json) => JSON.parse(json) as AssignmentChange);
  }

  /** Customers served by a station as fixed point (any region). */
  async function customersOfStation(stationId: string): Promise<string[]> {
    return redis.smembers(keys.stationCustomers(stationId));
  }

  /** Customers an advisor looks after (assigned in some region, or lead advisor). */
  async function customersOfAdvisor(advisorId: string): Promise<string[]> {
    return redis.smembers(keys.advisorCustomers(advisorId));
  }

  /** Advisors referenced by a customer's assignments or as its lead advisor. */
  async function advisorsOfCustomer(customerId: string): Promise<string[]> {
    return redis.smembers(keys.customerAdvisors(customerId));
  }

  return {
    get, getMany, ids, list, page, put, putMany, version, vehiclesOfCustomer, assignments, assignment, assign, assignmentHistory,
    customersOfStation, customersOfAdvisor, advisorsOfCustomer, reindexCustomer,
  };
}

export type RegistryStore = ReturnType<typeof createRegistryStore>;
