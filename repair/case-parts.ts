// Parts follow the case: reserved when a station takes the rescue (its likely parts, from its own shelf or the
// depot whose courier is first), given back on reassignment, tow or cancel, consumed on repair. The order of
// each step against the case commit is chosen so that a process killed in between leaves at worst a hold the
// case does not list, which `wants` (used by the reconciler in the dispatcher's sweep) then releases:
//   reserve → commit (the case lists the hold) → release what the case no longer lists.
import { likelyParts, type PartLine } from '../core/parts-catalog.ts';
import { heldParts, stockLocation, type CasePart } from '../core/parts-plan.ts';
import { isOpenStatus, type RescueCase } from '../core/rescue-case.ts';
import type { Station } from '../core/registry.ts';
import type { CaseStore } from '../infra/case-store.ts';
import type { PartsReservations } from '../parts/reservations.ts';

export interface CasePartsDeps {
  reservations: PartsReservations;
  cases: Pick<CaseStore, 'get'>;
}

/** Locations where a case holds stock right now. */
export function heldLocations(c: Pick<RescueCase, 'parts' | 'status'>, locationOf: (p: CasePart) => string | undefined): Set<string> {
  if (!isOpenStatus(c.status)) return new Set();
  return new Set(heldParts(c.parts ?? []).flatMap((p) => locationOf(p) ?? []));
}

export function createCaseParts(deps: CasePartsDeps) {
  const { reservations } = deps;

  /** What the repair of this case most likely needs. */
  function kitOf(c: Pick<RescueCase, 'faultCodes' | 'spns'>): PartLine[] {
    return likelyParts(c.faultCodes ?? c.spns.map((spn) => ({ spn })));
  }

  /** Reserves the case's kit for `station` (idempotent per case and location). */
  async function reserveFor(c: RescueCase, station: Pick<Station, 'id' | 'lat' | 'lon'>): Promise<CasePart[]> {
    return reservations.reserveKit({ holder: c.id, lines: kitOf(c), station: { id: station.id, lat: station.lat, lon: station.lon } });
  }

  /** Whether the case (as stored now) wants its hold at `location`; undefined for holders that are not cases. */
  async function wants(location: string, holder: string): Promise<boolean | undefined> {
    if (!holder.startsWith('rc-')) return undefined;
    const c = await deps.cases.get(holder);
    if (!c) return false;
    return heldLocations(c, reservations.locationOf).has(location);
  }

  /** Releases the holds among `parts` the stored case no longer lists (after a failed or superseding commit). */
  async function releaseUnwanted(caseId: string, parts: readonly CasePart[]): Promise<void> {
    const locations = new Set(heldParts(parts).flatMap((p) => reservations.locationOf(p) ?? []));
    for (const location of locations) {
      if ((await wants(location, caseId)) === false) await reservations.releaseKit(caseId, parts.filter((p) => reservations.locationOf(p) === location));
    }
  }

  /** The case's parts as released (for a tow or a cancel); the stock is given back after the commit. */
  function released(c: RescueCase): CasePart[] | undefined {
    if (!c.parts) return undefined;
    return c.parts.map((p) => (heldParts([p]).length > 0 ? { ...p, status: 'released' as const } : p));
  }

  /** Consumes what the repair used; answers the case's parts afterwards. */
  async function consume(c: RescueCase, stationId: string, used: readonly PartLine[] | undefined): Promise<CasePart[] | undefined> {
    if (!c.parts && !used) return undefined;
    // Without a confirmation the station used what was reserved.
    const actual = used ?? heldParts(c.parts ?? []).map((p) => ({ partNo: p.partNo, qty: p.qty }));
    return reservations.consumeKit(c.id, stationId, c.parts ?? [], actual);
  }

  /** In-transit depot parts whose courier should have arrived by `now` → delivered. */
  function delivered(c: RescueCase, now: Date): CasePart[] | undefined {
    if (!c.parts?.some((p) => p.status === 'in_transit' && p.readyAt && Date.parse(p.readyAt) <= now.getTime())) return undefined;
    return c.parts.map((p) => (p.status === 'in_transit' && p.readyAt && Date.parse(p.readyAt) <= now.getTime() ? { ...p, status: 'delivered' as const } : p));
  }

  return { reservations, kitOf, reserveFor, wants, releaseUnwanted, released, consume, delivered, stationLocation: (id: string) => stockLocation('station', id) };
}

export type CaseParts = ReturnType<typeof createCaseParts>;
