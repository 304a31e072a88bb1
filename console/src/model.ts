// The parts of the API's answers the console reads (see /docs/json for the full schemas). Kept loose on
// purpose: the console shows what is there and must not break on an added field.
export type CaseStatus = 'open' | 'offered' | 'launched' | 'on_site' | 'repairing' | 'waiting_parts' | 'repaired' | 'resolved' | 'towed' | 'closed' | 'cancelled';
export const OPEN_STATUSES: readonly CaseStatus[] = ['open', 'offered', 'launched', 'on_site', 'repairing', 'waiting_parts'];
/** `resolved` is the original name of `repaired` (docs/repair.md). */
export const REPAIRED_STATUSES: readonly CaseStatus[] = ['repaired', 'resolved'];

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
  warranty?: Warranty;
  parts?: CasePart[];
  partsReadyAtArrival?: boolean;
  quote?: Quote;
  claim?: { parts: Array<{ partNo: string; qty: number }>; labourHours: number; photos: string[]; status: 'draft' | 'submitted'; submittedAt?: string };
  repair?: { startedAt?: string; repairedAt?: string; withinDeadline?: boolean; labourHours?: number };
  repairBreach?: { at: string; advisorId?: string };
  rating?: { score: number; comment?: string; at: string; by: Actor };
  followUp?: { id: string; advisorId?: string; dueAt: string; status: 'open' | 'done'; outcome?: string; note?: string; completedAt?: string };
}

export interface Warranty {
  covered: boolean;
  reason: 'within_policy' | 'expired_age' | 'expired_km' | 'unknown_in_service_date';
  expiresOn?: string;
  kmLeft?: number;
  policy: { years: number; km: number };
  odometerKm?: number;
}

export interface CasePart {
  partNo: string;
  qty: number;
  source?: 'station' | 'depot';
  stationId?: string;
  depotId?: string;
  status: 'reserved' | 'in_transit' | 'delivered' | 'consumed' | 'released' | 'unavailable';
  readyAt?: string;
  courierMin?: number;
  consumedQty?: number;
  nextOption?: { action: 'backorder' | 'none'; depotId?: string; courierMin?: number };
}

export interface Quote {
  labourHours: number;
  parts: Array<{ partNo: string; qty: number; unitPriceCny: number }>;
  amountCny: number;
  at: string;
  status: 'pending' | 'approved' | 'rejected';
  decidedAt?: string;
  note?: string;
}

/** A catalog part (`GET /v1/parts`). */
export interface Part {
  partNo: string;
  nameZh: string;
  nameEn: string;
  unit: string;
}

export interface Depot {
  id: string;
  name: string;
}

/** An advisor's or admin's task (`GET /v1/tasks`): the follow-up call after a repair. */
export type { Task } from '../../core/task.ts';

export interface Complaint {
  id: string;
  customerId: string;
  caseId?: string;
  stationId?: string;
  text: string;
  filedBy: Actor;
  filedAt: string;
  answerDue: string;
  status: 'open' | 'answered' | 'closed';
  escalated: boolean;
  answer?: { text: string; by: Actor; at: string; inTime: boolean };
  closedAt?: string;
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

export function truckState(live: Pick<LiveState, 'lat' | 'lon' | 'speedKmh' | 'severity' | 'status'>, hasOpenCase: boolean): TruckState {
  if (hasOpenCase || live.severity === 'critical') return 'broken_down';
  if (live.status === 'offline') return 'offline';
  if (live.severity === 'warning' || live.severity === 'emissions') return 'amber_fault';
  if (live.lat === undefined || live.lon === undefined) return 'unknown';
  return (live.speedKmh ?? 0) > 3 ? 'moving' : 'stopped';
}

/** One truck of `GET /v1/fleet/live`. */
export interface FleetTruck {
  vin: string;
  plate?: string;
  customerId: string;
  lat?: number;
  lon?: number;
  speed?: number;
  heading?: number;
  status?: string;
  severity: string;
  lastSeen?: number;
  ts?: number;
}

export interface FleetOpenCase {
  id: string;
  vin: string;
  customerId: string;
  status: CaseStatus;
  escalated: boolean;
  reportedAt: string;
  launchDeadline: string;
  repairDeadline: string;
  stationId?: string;
  plate?: string;
  regionCode?: string;
  regionName?: string;
}

export interface FleetPage {
  items: FleetTruck[];
  nextCursor: string | null;
  total: number;
  openCases?: FleetOpenCase[];
  customers?: Array<{ id: string; name: string }>;
}

export interface Customer {
  id: string;
  name: string;
  leadAdvisorId?: string;
  contactPhone?: string;
  active?: boolean;
}

export interface Advisor {
  id: string;
  name: string;
  phone?: string;
  email?: string;
  active?: boolean;
}

export function fleetTruckState(t: FleetTruck, hasOpenCase: boolean): TruckState {
  return truckState({ lat: t.lat, lon: t.lon, speedKmh: t.speed, severity: t.severity, status: t.status }, hasOpenCase);
}
