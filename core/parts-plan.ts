// Where a kit's parts come from, as pure rules: the station's own shelf first; otherwise the depot whose
// courier gets the part to the station first (the same great-circle × road-circuity distance as the van ETA,
// driven at the courier's speed, after the depot's handling time); a part nobody has is `unavailable` with the
// next option (back-order at the nearest depot carrying its category). Also what "parts ready at arrival" means.
import { greatCircleKm, type EtaModel } from './eta.ts';
import type { PartLine } from './parts-catalog.ts';

export type PartSource = 'station' | 'depot';
export type CasePartStatus = 'reserved' | 'in_transit' | 'delivered' | 'consumed' | 'released' | 'unavailable';

/** One line of parts on a rescue case (or any other holder, e.g. a maintenance appointment). */
export interface CasePart {
  readonly partNo: string;
  readonly qty: number;
  /** Absent while `unavailable`. */
  readonly source?: PartSource;
  readonly stationId?: string;
  readonly depotId?: string;
  status: CasePartStatus;
  /** When the part is (or was) at the station: now for the station's shelf, courier arrival for a depot. */
  readonly readyAt?: string;
  /** Courier minutes from the depot to the station. */
  readonly courierMin?: number;
  /** Units the repair actually used (after `consumed`). */
  consumedQty?: number;
  /** For an unavailable part: where to back-order it. */
  readonly nextOption?: { readonly action: 'backorder'; readonly depotId: string; readonly courierMin: number } | { readonly action: 'none' };
}

export interface CourierModel {
  readonly kmh: number;
  readonly handlingMin: number;
}

export interface PlaceOnMap {
  readonly id: string;
  readonly lat: number;
  readonly lon: number;
}

/** Minutes from a depot's "go" to the part at the station. */
export function courierMinutes(depot: { lat: number; lon: number }, station: { lat: number; lon: number }, eta: Pick<EtaModel, 'circuity'>, courier: CourierModel): number {
  const roadKm = greatCircleKm(depot.lat, depot.lon, station.lat, station.lon) * eta.circuity;
  return Math.round((courier.handlingMin + (roadKm / courier.kmh) * 60) * 10) / 10;
}

/** The stock location key of a station or depot (core/keys.ts: one hash tag per location). */
export function stockLocation(kind: PartSource, id: string): string {
  return `${kind}:${id}`;
}

/** Merges lines of the same part (sum of quantities), dropping empty ones. */
export function mergeLines(lines: readonly PartLine[]): PartLine[] {
  const m = new Map<string, number>();
  for (const l of lines) if (l.qty > 0) m.set(l.partNo, (m.get(l.partNo) ?? 0) + l.qty);
  return [...m].map(([partNo, qty]) => ({ partNo, qty }));
}

/** Parts that still bind stock (neither used, given back nor missing). */
export function heldParts(parts: readonly CasePart[]): CasePart[] {
  return parts.filter((p) => p.status === 'reserved' || p.status === 'in_transit' || p.status === 'delivered');
}

/** All parts at the station no later than the van: a recorded fact per case (undefined when nothing was needed). */
export function partsReadyBy(parts: readonly CasePart[], arrivalAt: Date): boolean | undefined {
  if (parts.length === 0) return undefined;
  return parts.every((p) => p.status !== 'unavailable' && p.readyAt !== undefined && Date.parse(p.readyAt) <= arrivalAt.getTime());
}

/** Depots ordered by how soon their courier reaches the station. */
export function depotsByCourier(depots: readonly PlaceOnMap[], station: PlaceOnMap, eta: Pick<EtaModel, 'circuity'>, courier: CourierModel): Array<{ id: string; courierMin: number }> {
  return depots
    .map((d) => ({ id: d.id, courierMin: courierMinutes(d, station, eta, courier) }))
    .sort((a, b) => a.courierMin - b.courierMin || (a.id < b.id ? -1 : 1));
}
