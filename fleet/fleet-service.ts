// The fleet as the console shows it: every truck the caller may see with its live state in one compact
// answer (`GET /v1/fleet/live`), the open cases beside it, and truck search by VIN or plate. The vehicle
// and customer lists are views of the process's one registry cache (infra/registry-cache.ts: one MGET of
// the version counters per request); the live columns come from the in-process live table (fleet/live-table.ts), kept current by
// the event stream, so a request reads no live hash.
import type { Redis } from 'ioredis';
import { customerInScope, type Caller, type CustomerScope } from '../core/auth.ts';
import type { RedisKeys } from '../core/keys.ts';
import { normalisePlate } from '../core/plate.ts';
import type { Customer, Vehicle } from '../core/registry.ts';
import type { RescueCase } from '../core/rescue-case.ts';
import type { RegionMap } from '../core/regions.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { RegistryCache } from '../infra/registry-cache.ts';
import type { LiveColumns, LiveTable } from './live-table.ts';

export interface FleetTruck {
  vin: string;
  plate?: string;
  customerId: string;
  lat?: number;
  lon?: number;
  speed?: number;
  heading?: number;
  /** online | offline */
  status?: string;
  /** critical | warning | emissions | info | none */
  severity: string;
  /** Server time of the last message, epoch ms. */
  lastSeen?: number;
  /** Device time of the newest position, epoch ms. */
  ts?: number;
}

export interface FleetOpenCase {
  id: string;
  vin: string;
  customerId: string;
  status: string;
  escalated: boolean;
  reportedAt: string;
  launchDeadline: string;
  repairDeadline: string;
  stationId?: string;
  plate?: string;
  /** Prefecture the truck broke down in (GB/T 2260). */
  regionCode?: string;
  regionName?: string;
}

export interface FleetPage {
  items: FleetTruck[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** Trucks the caller may see (all pages). */
  total: number;
  /** Open cases of those trucks (first page only). */
  openCases?: FleetOpenCase[];
  customers?: Array<{ id: string; name: string }>;
}

export interface TruckMatch {
  vin: string;
  plate?: string;
  customerId: string;
  customerName?: string;
  model?: string;
}

interface Snapshot {
  /** Active vehicles sorted by VIN. */
  vehicles: Vehicle[];
  /** Normalised plate (upper case, no separators) per VIN, for search. */
  plates: Map<string, string>;
  byVin: Map<string, Vehicle>;
}

export interface FleetServiceDeps {
  redis: Pick<Redis, 'mget' | 'zrange'>;
  keys: RedisKeys;
  registry: Pick<RegistryStore, 'list'>;
  /** The process's one registry cache (infra/registry-cache.ts). */
  cache: RegistryCache;
  /** What customers a caller may see (api/scope.ts resolves it from the registry). */
  scope: { customers(caller: Caller): Promise<CustomerScope> };
  regions: Pick<RegionMap, 'locate'>;
  /** Rescue cases by id (the case store). */
  cases: { getMany(ids: readonly string[]): Promise<RescueCase[]> };
  /** Live columns per VIN, kept in this process (fleet/live-table.ts). */
  liveTable: Pick<LiveTable, 'start' | 'add' | 'get'>;
}

export function createFleetService(deps: FleetServiceDeps) {
  const { redis, keys, registry } = deps;
  let activeVins: readonly string[] = [];
  let liveStarted = false;
  // Views of the process's one registry cache (infra/registry-cache.ts): rebuilt when the vehicle or customer
  // registry version moves, once however many requests wait.
  const vehicles = deps.cache.view(['vehicle'], async (): Promise<Snapshot> => {
    const all = await registry.list('vehicle');
    const active = all.filter((v) => v.active !== false).sort((a, b) => (a.vin < b.vin ? -1 : 1));
    // The live table's first load, or the hashes of trucks new in this registry version.
    const vins = active.map((v) => v.vin);
    activeVins = vins;
    await (liveStarted ? deps.liveTable.add(vins) : deps.liveTable.start(vins, () => activeVins));
    liveStarted = true;
    return { vehicles: active, plates: new Map(active.map((v) => [v.vin, normalisePlate(v.plate ?? '')])), byVin: new Map(all.map((v) => [v.vin, v])) };
  });
  const customers = deps.cache.view(['customer'], async () => new Map((await registry.list('customer')).map((c) => [c.id, c])));

  async function snapshots(): Promise<{ fleet: Snapshot; customers: Map<string, Customer> }> {
    // Both counters in one round trip.
    const [vehicleVersion, customerVersion] = await redis.mget(...vehicles.versionKeys, ...customers.versionKeys);
    const [fleet, byId] = await Promise.all([vehicles.at([vehicleVersion]), customers.at([customerVersion])]);
    return { fleet, customers: byId };
  }

  async function visibleVehicles(caller: Caller) {
    const [scope, { fleet, customers: byId }] = await Promise.all([deps.scope.customers(caller), snapshots()]);
    const list = scope.all ? fleet.vehicles : fleet.vehicles.filter((v) => customerInScope(scope, v.customerId));
    return { list, snapshot: fleet, customers: byId, sees: (customerId: string) => customerInScope(scope, customerId) };
  }

  async function openCases(visible: (customerId: string) => boolean, byVin: Map<string, Vehicle>): Promise<FleetOpenCase[]> {
    const ids = await redis.zrange(keys.activeCases, 0, -1);
    const cases = ids.length ? await deps.cases.getMany(ids) : [];
    return cases.filter((c) => visible(c.customerId)).map((c) => {
      const region = c.location ? deps.regions.locate(c.location.lat, c.location.lon) : undefined;
      const plate = byVin.get(c.vin)?.plate;
      return {
      id: c.id,
      vin: c.vin,
      customerId: c.customerId,
      status: c.status,
      escalated: c.escalated,
      reportedAt: c.reportedAt,
      launchDeadline: c.launchDeadline,
      repairDeadline: c.repairDeadline,
      ...(c.launch?.stationId ?? c.offers.find((o) => o.outcome === 'pending')?.stationId
        ? { stationId: c.launch?.stationId ?? c.offers.find((o) => o.outcome === 'pending')!.stationId }
        : {}),
        ...(plate ? { plate } : {}),
        ...(region ? { regionCode: region.code, regionName: region.name } : {}),
      };
    });
  }

  /**
   * The answer's truck object per VIN, reused while neither its live columns nor its vehicle record
   * changed (both are replaced, never mutated), so fleet-json.ts writes each truck's JSON once per change.
   */
  const trucks = new Map<string, { live: LiveColumns | undefined; vehicle: Vehicle; truck: FleetTruck }>();
  function truckOf(v: Vehicle): FleetTruck {
    const live = deps.liveTable.get(v.vin);
    const cached = trucks.get(v.vin);
    if (cached && cached.live === live && cached.vehicle === v) return cached.truck;
    const truck: FleetTruck = { vin: v.vin, customerId: v.customerId, severity: live?.severity ?? 'none' };
    if (v.plate) truck.plate = v.plate;
    if (live) {
      for (const field of ['lat', 'lon', 'speed', 'heading', 'status', 'lastSeen', 'ts'] as const) {
        if (live[field] !== undefined) (truck as unknown as Record<string, unknown>)[field] = live[field];
      }
    }
    trucks.set(v.vin, { live, vehicle: v, truck });
    return truck;
  }

  return {
    /** One page of the caller's trucks (sorted by VIN, after `cursor`) with their live state. */
    async live(caller: Caller, opts: { cursor?: string; limit: number; trucks?: boolean }): Promise<FleetPage> {
      const { list, snapshot, customers: byId, sees } = await visibleVehicles(caller);
      let start = 0;
      if (opts.cursor) {
        // First VIN after the cursor (binary search; the list is sorted).
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (list[mid]!.vin <= opts.cursor) lo = mid + 1;
          else hi = mid;
        }
        start = lo;
      }
      const page = opts.trucks === false ? [] : list.slice(start, start + opts.limit);
      const firstPage = !opts.cursor;
      const visibleCustomers = new Set(list.map((v) => v.customerId));
      for (const id of byId.keys()) if (sees(id)) visibleCustomers.add(id);
      const cases = firstPage ? await openCases(sees, snapshot.byVin) : undefined;
      const items = page.map(truckOf);
      const end = start + page.length;
      return {
        items,
        nextCursor: end < list.length && page.length ? page[page.length - 1]!.vin : null,
        total: list.length,
        ...(cases ? { openCases: cases } : {}),
        ...(firstPage ? { customers: [...visibleCustomers].flatMap((id) => (byId.get(id) ? [{ id, name: byId.get(id)!.name }] : [])) } : {}),
      };
    },

    /**
     * Trucks whose VIN or plate contains the query (case and separators ignored, so "A12345" finds
     * "沪A·12345" without the province character); exact matches first, then prefixes.
     */
    async search(caller: Caller, query: string, limit: number): Promise<TruckMatch[]> {
      const q = normalisePlate(query);
      if (!q) return [];
      const { list, snapshot, customers: byId } = await visibleVehicles(caller);
      const scored: Array<{ v: Vehicle; rank: number }> = [];
      for (const v of list) {
        const plate = snapshot.plates.get(v.vin) ?? '';
        const plateNoProvince = plate.replace(/^[^\x00-\x7f]/, '');
        let rank = -1;
        if (v.vin === q || plate === q || plateNoProvince === q) rank = 0;
        else if (v.vin.startsWith(q) || plate.startsWith(q) || plateNoProvince.startsWith(q)) rank = 1;
        else if (v.vin.includes(q) || plate.includes(q)) rank = 2;
        if (rank >= 0) scored.push({ v, rank });
      }
      scored.sort((a, b) => a.rank - b.rank || (a.v.plate ?? a.v.vin).localeCompare(b.v.plate ?? b.v.vin));
      return scored.slice(0, limit).map(({ v }) => ({
        vin: v.vin,
        customerId: v.customerId,
        ...(v.plate ? { plate: v.plate } : {}),
        ...(v.model ? { model: v.model } : {}),
        ...(byId.get(v.customerId) ? { customerName: byId.get(v.customerId)!.name } : {}),
      }));
    },
  };
}

export type FleetService = ReturnType<typeof createFleetService>;
