// The station's desk (its tablet): the offers waiting for an answer and the rescues it runs, each with
// what the crew needs before it loads the van — plate, customer, place, the truck's fault codes — plus
// its history, and the two switches a station controls itself: how many vans are in service and whether
// it is open. Both are fields of the station record that dispatch reads (`vans`, `closed`), so dispatch
// honours them from the next offer on (the registry version bump rebuilds its station index).
import type { Redis } from 'ioredis';
import { NotFoundError } from '../core/errors.ts';
import type { RedisKeys } from '../core/keys.ts';
import { LIVE_FIELDS } from '../core/live-state.ts';
import type { Dtc } from '../core/j1939.ts';
import type { RegionMap } from '../core/regions.ts';
import type { Station } from '../core/registry.ts';
import { isOpenStatus, type RescueCase } from '../core/rescue-case.ts';
import type { CaseStore } from '../infra/case-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

export interface DeskCase {
  id: string;
  status: string;
  reportedAt: string;
  plate?: string;
  vin: string;
  customerName?: string;
  customerPhone?: string;
  contactPhone?: string;
  description?: string;
  place: { lat: number; lon: number; regionName?: string } | null;
  spns: number[];
  /** The truck's active codes now, with failure modes (the case keeps only SPNs). */
  dtcs: Array<Pick<Dtc, 'spn' | 'fmi'>>;
  /** This station's offer, if any. */
  offer?: { attempt: number; expiresAt: string; etaMin: number; distanceKm: number; outcome: string };
  launch?: { at: string; vanId?: string; technician?: string; etaMin?: number };
  repairDeadline: string;
}

export interface Desk {
  station: Pick<Station, 'id' | 'name' | 'vans' | 'hours'> & { phone?: string; closed: boolean; vansInUse: number };
  offers: DeskCase[];
  running: DeskCase[];
  history: DeskCase[];
}

export interface DeskServiceDeps {
  redis: Pick<Redis, 'scard' | 'hget'>;
  keys: RedisKeys;
  registry: Pick<RegistryStore, 'get' | 'getMany' | 'put'>;
  regions: Pick<RegionMap, 'locate'>;
  cases: Pick<CaseStore, 'page'>;
}

const HISTORY = 50;

export function createDeskService(deps: DeskServiceDeps) {
  const { redis, keys, registry } = deps;

  async function station(stationId: string): Promise<Station> {
    const s = await registry.get('station', stationId);
    if (!s) throw new NotFoundError('station', stationId);
    return s;
  }

  async function dtcsOf(vin: string): Promise<Array<Pick<Dtc, 'spn' | 'fmi'>>> {
    const raw = await redis.hget(keys.live(vin), LIVE_FIELDS.dtcs);
    try {
      const parsed = raw ? (JSON.parse(raw) as unknown) : [];
      return Array.isArray(parsed) ? parsed.filter((d): d is Dtc => Number.isInteger(d?.spn) && Number.isInteger(d?.fmi)).map((d) => ({ spn: d.spn, fmi: d.fmi })) : [];
    } catch {
      return [];
    }
  }

  return {
    async desk(stationId: string): Promise<Desk> {
      const [s, inUse, cases] = await Promise.all([station(stationId), redis.scard(keys.stationVansInUse(stationId)), deps.cases.page([{ kind: 'station', id: stationId }], { limit: 200, keep: (c) => c.stationIds.includes(stationId) }).then((p) => p.items)]);
      const customerIds = [...new Set(cases.map((c) => c.customerId))];
      const vins = [...new Set(cases.map((c) => c.vin))];
      const [customers, vehicles, dtcs] = await Promise.all([
        registry.getMany('customer', customerIds),
        registry.getMany('vehicle', vins),
        Promise.all(cases.map((c) => (isOpenStatus(c.status) ? dtcsOf(c.vin) : Promise.resolve([])))),
      ]);
      const customerOf = new Map(customers.flatMap((c) => (c ? [[c.id, c] as const] : [])));
      const vehicleOf = new Map(vehicles.flatMap((v) => (v ? [[v.vin, v] as const] : [])));
      const view = (c: RescueCase, i: number): DeskCase => {
        const offer = [...c.offers].reverse().find((o) => o.stationId === stationId);
        const customer = customerOf.get(c.customerId);
        const region = c.location ? deps.regions.locate(c.location.lat, c.location.lon) : undefined;
        const plate = vehicleOf.get(c.vin)?.plate;
        return {
          id: c.id,
          status: c.status,
          reportedAt: c.reportedAt,
          vin: c.vin,
          ...(plate ? { plate } : {}),
          ...(customer ? { customerName: customer.name, ...(customer.contactPhone ? { customerPhone: customer.contactPhone } : {}) } : {}),
          ...(c.contactPhone ? { contactPhone: c.contactPhone } : {}),
          ...(c.description ? { description: c.description } : {}),
          place: c.location ? { lat: c.location.lat, lon: c.location.lon, ...(region ? { regionName: region.name } : {}) } : null,
          spns: c.spns,
          dtcs: dtcs[i] ?? [],
          ...(offer ? { offer: { attempt: offer.attempt, expiresAt: offer.expiresAt, etaMin: offer.etaMin, distanceKm: offer.distanceKm, outcome: offer.outcome } } : {}),
          ...(c.launch?.stationId === stationId
            ? { launch: { at: c.launch.at, ...(c.launch.vanId ? { vanId: c.launch.vanId } : {}), ...(c.launch.technician ? { technician: c.launch.technician } : {}), ...(c.launch.etaMin !== undefined ? { etaMin: c.launch.etaMin } : {}) } }
            : {}),
          repairDeadline: c.repairDeadline,
        };
      };
      const all = cases.map(view);
      return {
        station: { id: s.id, name: s.name, vans: s.vans, hours: s.hours, ...(s.phone ? { phone: s.phone } : {}), closed: s.closed === true, vansInUse: inUse },
        offers: all.filter((c) => c.status === 'offered' && c.offer?.outcome === 'pending').sort((a, b) => Date.parse(a.offer!.expiresAt) - Date.parse(b.offer!.expiresAt)),
        running: all.filter((c) => c.launch && isOpenStatus(c.status as RescueCase['status'])),
        history: all.filter((c) => !(c.status === 'offered' && c.offer?.outcome === 'pending') && !(c.launch && isOpenStatus(c.status as RescueCase['status']))).slice(0, HISTORY),
      };
    },

    /** The station's own switches: vans in service and open/closed. */
    async update(stationId: string, change: { vans?: number; closed?: boolean }): Promise<Station> {
      const s = await station(stationId);
      const next: Station = { ...s, ...(change.vans !== undefined ? { vans: change.vans } : {}) };
      if (change.closed === true) next.closed = true;
      if (change.closed === false) delete next.closed;
      await registry.put('station', next);
      return next;
    },
  };
}

export type DeskService = ReturnType<typeof createDeskService>;
