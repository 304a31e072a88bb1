// Reserving a kit of parts for a holder (a rescue case id, a maintenance appointment id) at a station, giving it
// back, and consuming what a repair used. Sources follow core/parts-plan.ts: the station's shelf, else the depot
// whose courier is first at the station. Each location's part of a kit is one atomic script (infra/parts-store.ts),
// so racing holders never share a unit and stock never goes negative; a location that turns out short between the
// availability read and the script is simply tried again with the next option.
import { ConflictError, ValidationError } from '../core/errors.ts';
import type { EtaModel } from '../core/eta.ts';
import type { PartLine } from '../core/parts-catalog.ts';
import {
  depotsByCourier, heldParts, mergeLines, stockLocation,
  type CasePart, type CourierModel, type PlaceOnMap,
} from '../core/parts-plan.ts';
import type { Depot } from '../core/registry.ts';
import type { PartsStore } from '../infra/parts-store.ts';

export interface PartsReservationsDeps {
  store: Pick<PartsStore, 'available' | 'reserve' | 'release' | 'consume' | 'holdsBefore'>;
  /** Active depots (with their positions). */
  depots: () => Promise<readonly Depot[]>;
  /** Category of a catalog part (for the back-order option of a missing part). */
  categoryOf: (partNo: string) => Promise<string | undefined>;
  etaModel: Pick<EtaModel, 'circuity'>;
  courier: CourierModel;
  now?: () => Date;
}

export interface KitRequest {
  /** Who holds the parts: a rescue case id, an appointment id… (unique across kinds). */
  readonly holder: string;
  readonly lines: readonly PartLine[];
  /** Where the repair happens (the parts travel to this station). */
  readonly station: PlaceOnMap;
}

const MAX_ROUNDS = 8;

export function createPartsReservations(deps: PartsReservationsDeps) {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());

  /** Reserves what can be reserved of the kit; lines nobody has come back `unavailable` with their next option. */
  async function reserveKit(req: KitRequest): Promise<CasePart[]> {
    const lines = mergeLines(req.lines);
    if (lines.length === 0) return [];
    const at = now();
    const stationLoc = stockLocation('station', req.station.id);
    const out: CasePart[] = [];
    let remaining = lines;

    // 1. The station's own shelf: the lines it has, as one atomic reservation.
    const atStation = await store.available([stationLoc], lines.map((l) => l.partNo));
    let fromStation = lines.filter((l) => (atStation.get(stationLoc)?.get(l.partNo) ?? 0) >= l.qty);
    for (let round = 0; fromStation.length > 0 && round < MAX_ROUNDS; round++) {
      const r = await store.reserve(stationLoc, req.holder, fromStation);
      if (r.ok) {
        for (const l of r.lines) out.push({ partNo: l.partNo, qty: l.qty, source: 'station', stationId: req.station.id, status: 'reserved', readyAt: at.toISOString() });
        break;
      }
      fromStation = fromStation.filter((l) => l.partNo !== r.partNo);
    }
    const covered = new Set(out.map((p) => p.partNo));
    remaining = remaining.filter((l) => !covered.has(l.partNo));

    // 2. Depots, first courier at the station first; a depot found short is skipped for that part.
    const depots = (await deps.depots()).filter((d) => d.active);
    const order = depotsByCourier(depots, req.station, deps.etaModel, deps.courier);
    const shortAt = new Set<string>(); // `${depotId}|${partNo}`
    for (let round = 0; remaining.length > 0 && round < MAX_ROUNDS; round++) {
      const free = await store.available(order.map((d) => stockLocation('depot', d.id)), remaining.map((l) => l.partNo));
      const byDepot = new Map<string, PartLine[]>();
      const nowhere: PartLine[] = [];
      for (const line of remaining) {
        const depot = order.find((d) => !shortAt.has(`${d.id}|${line.partNo}`) && (free.get(stockLocation('depot', d.id))?.get(line.partNo) ?? 0) >= line.qty);
        if (!depot) nowhere.push(line);
        else byDepot.set(depot.id, [...(byDepot.get(depot.id) ?? []), line]);
      }
      const next: PartLine[] = [];
      for (const [depotId, group] of byDepot) {
        const r = await store.reserve(stockLocation('depot', depotId), req.holder, group);
        if (!r.ok) {
          shortAt.add(`${depotId}|${r.partNo}`);
          next.push(...group);
          continue;
        }
        const courierMin = order.find((d) => d.id === depotId)!.courierMin;
        const readyAt = new Date(at.getTime() + courierMin * 60_000).toISOString();
        for (const l of r.lines) out.push({ partNo: l.partNo, qty: l.qty, source: 'depot', depotId, stationId: req.station.id, status: 'in_transit', readyAt, courierMin });
      }
      for (const line of nowhere) out.push(await unavailable(line, depots, req.station));
      remaining = next;
    }
    for (const line of remaining) out.push(await unavailable(line, depots, req.station));
    return out;
  }

  async function unavailable(line: PartLine, depots: readonly Depot[], station: PlaceOnMap): Promise<CasePart> {
    const category = await deps.categoryOf(line.partNo);
    const carrying = depots.filter((d) => category !== undefined && (d.partsCategories as readonly string[]).includes(category));
    const first = depotsByCourier(carrying, station, deps.etaModel, deps.courier)[0];
    return {
      partNo: line.partNo, qty: line.qty, status: 'unavailable',
      nextOption: first ? { action: 'backorder', depotId: first.id, courierMin: first.courierMin } : { action: 'none' },
    };
  }

  function locationOf(p: CasePart): string | undefined {
    if (p.source === 'station' && p.stationId) return stockLocation('station', p.stationId);
    if (p.source === 'depot' && p.depotId) return stockLocation('depot', p.depotId);
    return undefined;
  }

  /** Gives back every held line; answers the lines with their new status. Repeats change nothing. */
  async function releaseKit(holder: string, parts: readonly CasePart[]): Promise<CasePart[]> {
    const locations = new Set(heldParts(parts).flatMap((p) => locationOf(p) ?? []));
    for (const loc of locations) await store.release(loc, holder);
    return parts.map((p) => (heldParts([p]).length > 0 ? { ...p, status: 'released' as const } : p));
  }

  /**
   * The repair used `used` (the station confirms actual parts): each held line is consumed up to what was used and
   * the rest released; parts used beyond the reservations come off the station's free stock (409 when it has none).
   */
  async function consumeKit(holder: string, stationId: string, parts: readonly CasePart[], used: readonly PartLine[]): Promise<CasePart[]> {
    for (const l of used) if (!Number.isInteger(l.qty) || l.qty < 0) throw new ValidationError('part quantities are whole numbers ≥ 0', [{ field: 'body.parts', message: `${l.partNo}: qty must be a whole number ≥ 0` }]);
    const left = new Map(mergeLines(used).map((l) => [l.partNo, l.qty]));
    const next = parts.map((p) => ({ ...p }));
    const perLocation = new Map<string, PartLine[]>();
    // Depot holds first (they were sent for this repair), then the station's: what is used beyond them is extra.
    const ordered = next.map((p, i) => ({ p, i })).filter(({ p }) => heldParts([p]).length > 0).sort((a, b) => (a.p.source === 'depot' ? 0 : 1) - (b.p.source === 'depot' ? 0 : 1));
    for (const { p } of ordered) {
      const take = Math.min(p.qty, left.get(p.partNo) ?? 0);
      left.set(p.partNo, (left.get(p.partNo) ?? 0) - take);
      p.consumedQty = take;
      p.status = take > 0 ? 'consumed' : 'released';
      const loc = locationOf(p)!;
      perLocation.set(loc, [...(perLocation.get(loc) ?? []), { partNo: p.partNo, qty: take }]);
    }
    const stationLoc = stockLocation('station', stationId);
    const extra = [...left].filter(([, qty]) => qty > 0).map(([partNo, qty]) => ({ partNo, qty }));
    if (extra.length > 0) perLocation.set(stationLoc, mergeLines([...(perLocation.get(stationLoc) ?? []), ...extra]));
    // The station's own shelf (with extras, which may be refused) first: a refusal then changes nothing anywhere.
    const locations = [...perLocation.keys()].sort((a, b) => (a === stationLoc ? -1 : b === stationLoc ? 1 : 0));
    for (const loc of locations) {
      const r = await store.consume(loc, holder, perLocation.get(loc)!);
      if (!r.ok) throw new ConflictError(`the station has only ${r.available} of ${r.partNo} in stock`, [{ field: 'body.parts', message: `${r.partNo}: only ${r.available} available at the station` }]);
    }
    for (const l of extra) next.push({ partNo: l.partNo, qty: l.qty, source: 'station', stationId, status: 'consumed', consumedQty: l.qty, readyAt: now().toISOString() });
    return next;
  }

  /**
   * Releases holds recorded more than `graceMs` ago (wall clock, as the index is written) whose holder no longer wants them (a process died between
   * the hold and the holder recording it). `wants` answers undefined for holders it does not know (another kind).
   */
  async function reconcile(wants: (location: string, holder: string) => Promise<boolean | undefined>, graceMs: number): Promise<number> {
    let released = 0;
    for (const { location, holder } of await store.holdsBefore(Date.now() - graceMs)) {
      const wanted = await wants(location, holder);
      if (wanted === false && (await store.release(location, holder)).length > 0) released++;
    }
    return released;
  }

  return { reserveKit, releaseKit, consumeKit, reconcile, locationOf };
}

export type PartsReservations = ReturnType<typeof createPartsReservations>;
