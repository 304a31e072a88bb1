// Registry persistence in Redis: one hash per kind (id → JSON), a per-kind version counter, and a
// vehicles-by-customer index. Writes are idempotent: storing an identical entity changes nothing.
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { registryId, type Assignment, type RegistryKind, type RegistryKinds, type Vehicle } from '../core/registry.ts';

export type PutOutcome = 'created' | 'updated' | 'unchanged';

export function createRegistryStore(deps: { redis: Redis; prefix: string }) {
  const { redis } = deps;
  const keys = redisKeys(deps.prefix);

  async function get<K extends RegistryKind>(kind: K, id: string): Promise<RegistryKinds[K] | undefined> {
    const json = await redis.hget(keys.registry(kind), id);
    return json ? (JSON.parse(json) as RegistryKinds[K]) : undefined;
  }

  async function getMany<K extends RegistryKind>(kind: K, ids: readonly string[]): Promise<Array<RegistryKinds[K] | undefined>> {
    if (ids.length === 0) return [];
    const values = await redis.hmget(keys.registry(kind), ...ids);
    return values.map((json) => (json ? (JSON.parse(json) as RegistryKinds[K]) : undefined));
  }

  async function list<K extends RegistryKind>(kind: K): Promise<Array<RegistryKinds[K]>> {
    const all = await redis.hvals(keys.registry(kind));
    return all.map((json) => JSON.parse(json) as RegistryKinds[K]);
  }

  /** Stores entities (already validated); returns the outcome for each, in order. */
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

  /** Sets (or replaces) the assignment of one region and appends the change to the history. */
  async function assign(customerId: string, next: Assignment): Promise<void> {
    const previous = await redis.hget(keys.assignments(customerId), next.region);
    await redis
      .multi()
      .hset(keys.assignments(customerId), next.region, JSON.stringify(next))
      .lpush(
        keys.assignmentHistory(customerId),
        JSON.stringify({ ...next, previous: previous ? (JSON.parse(previous) as Assignment) : null }),
      )
      .ltrim(keys.assignmentHistory(customerId), 0, 9_999)
      .incr(keys.registryVersion('customer'))
      .exec();
  }

  async function assignmentHistory(customerId: string, limit = 100): Promise<Array<Assignment & { previous: Assignment | null }>> {
    const rows = await redis.lrange(keys.assignmentHistory(customerId), 0, limit - 1);
    return rows.map((json) => JSON.parse(json) as Assignment & { previous: Assignment | null });
  }

  return { get, getMany, list, put, putMany, version, vehiclesOfCustomer, assignments, assignment, assign, assignmentHistory };
}

export type RegistryStore = ReturnType<typeof createRegistryStore>;
