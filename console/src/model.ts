// The parts of the API's answers the console reads (see /docs/json for the full schemas). Kept loose on
// purpose: the console shows what is there and must not break on an added field.
export type CaseStatus = 'open' | 'offered' | 'launched' | 'on_site' | 'resolved' | 'towed' | 'closed' | 'cancelled';
export const OPEN_STATUSES: readonly CaseStatus[] = ['open', 'offered', 'launched', 'on_site'];

export interface Actor {
  kind: string;
  id: string;
  /** Display name of the person or API key who acted (absent for operator tokens and the system). */
  name?: string;
}

export interface Offer {
  attempt: number;
  stationId: string;
  offeredAt: string;
  expiresAt: string;
  etaMin: number;
  distanceKm: number;
  outcome: 'pending' | 'accepted' | 'declined' | 'timed_out' | 'withdrawn';
  answeredAt?: string;
  reason?: string;
}

export interface CandidateDecision {
  stationId: string;
  distanceKm: number;
  etaMin: number;
  kept: boolean;
  reason: string;
  rank?: number;
  fixedPoint?: boolean;
}

export interface TimelineEntry {
  at: string;
  event: string;
  actor?: Actor;
  from?: CaseStatus;
  to?: CaseStatus;
  details?: Record<string, unknown>;
}

export interface RescueCase {
  id: string;
  vin: string;
  customerId: string;
  source: string;
  reportedAt: string;
  location: { lat: number; lon: number; source?: string };
  description?: string;
  contactPhone?: string;
  status: CaseStatus;
  spns?: number[];
  systems?: string[];
  capabilities?: string[];
  launchDeadline: string;
  escalateAt?: string;
  repairDeadline: string;
  escalated: boolean;
  escalatedAt?: string;
  escalationReason?: string;
  needsConfirmation?: { at: string; reason: string };
  offers?: Offer[];
  launch?: { stationId: string; at: string; vanId?: string; technician?: string; etaMin?: number; manual?: boolean };
  candidates?: CandidateDecision[];
  partsDepots?: Array<{ category: string; depotId?: string; distanceKm?: number; etaMin?: number }>;
  timeline?: TimelineEntry[];
}

export interface Station {
  id: string;
  name: string;
  lat: number;
  lon: number;
  region?: string;
  phone?: string;
  hours?: string;
  capabilities?: string[];
  vans?: number;
  rating?: number;
  active?: boolean;
}

export interface Vehicle {
  vin: string;
  customerId: string;
  plate?: string;
  model?: string;
}

export interface Dtc {
  spn: number;
  fmi: number;
  oc?: number;
}

/** Live state as `GET /v1/vehicles/{vin}` reports it (fields may sit at the top level or under `live`). */
export interface LiveState {
  lat?: number;
  lon?: number;
  speedKmh?: number;
  ts?: number | string;
  severity?: string;
  status?: string;
  dtcs?: Dtc[];
  lamps?: Record<string, unknown>;
}

export interface ServedBy {
  stationId?: string;
  stationName?: string;
  advisorId?: string;
  advisorName?: string;
}

export interface VehicleView {
  vehicle: Vehicle;
  live: LiveState;
  servedBy?: ServedBy;
}

/** What the map colours a truck by. */
export type TruckState = 'broken_down' | 'amber_fault' | 'offline' | 'moving' | 'stopped' | 'unknown';

export const TRUCK_STATE_LABEL: Record<TruckState, string> = {
  broken_down: 'broken down',
  amber_fault: 'amber fault',
  offline: 'offline',
  moving: 'moving',
  stopped: 'stopped',
  unknown: 'no position',
};

export function truckState(live: LiveState, hasOpenCase: boolean): TruckState {
  if (hasOpenCase || live.severity === 'critical') return 'broken_down';
  if (live.status === 'offline') return 'offline';
  if (live.severity === 'warning' || live.severity === 'emissions') return 'amber_fault';
  if (live.lat === undefined || live.lon === undefined) return 'unknown';
  return (live.speedKmh ?? 0) > 3 ? 'moving' : 'stopped';
}
