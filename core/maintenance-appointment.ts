// Service appointments at a station: their lifecycle and the slot rules (opening hours, daily capacity =
// service bays × opening hours). Pure; the store books capacity atomically (infra/maintenance-store.ts).
import type { CasePart } from './parts-plan.ts';
import { isOpenAt } from './opening-hours.ts';
import { ValidationError, InvalidTransitionError } from './errors.ts';

export const APPOINTMENT_STATUSES = ['requested', 'proposed', 'confirmed', 'completed', 'cancelled', 'no_show'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];
/** Statuses that hold a slot and a kit. */
export const ACTIVE_APPOINTMENT: readonly AppointmentStatus[] = ['requested', 'proposed', 'confirmed'];

export interface Appointment {
  readonly id: string;
  readonly vin: string;
  readonly customerId: string;
  readonly stationId: string;
  readonly items: string[];
  startMs: number;
  endMs: number;
  /** Bay hours the items take (sum of the plan's labour hours). */
  readonly bayHours: number;
  status: AppointmentStatus;
  /** The station's counter-proposal while `proposed`. */
  proposedStartMs?: number;
  /** The reserved parts kit (same reservation as rescue parts, holder = appointment id). */
  kit: CasePart[];
  /** The service recorded on completion. */
  serviceId?: string;
  readonly createdAt: number;
  readonly createdBy: string;
  history: Array<{ at: number; by: string; action: string; note?: string }>;
}

const NEXT: Record<AppointmentStatus, readonly AppointmentStatus[]> = {
  requested: ['confirmed', 'proposed', 'requested', 'cancelled', 'no_show', 'completed'],
  proposed: ['confirmed', 'requested', 'cancelled'],
  confirmed: ['completed', 'cancelled', 'no_show', 'requested', 'proposed'],
  completed: [],
  cancelled: [],
  no_show: [],
};

export function assertAppointmentTransition(from: AppointmentStatus, to: AppointmentStatus): void {
  if (!NEXT[from].includes(to)) throw new InvalidTransitionError(from, to);
}

/** Opening hours per day of `HH:MM-HH:MM` or `24h`. */
export function openHoursPerDay(hours: string): number {
  if (hours === '24h') return 24;
  const [from, to] = hours.split('-').map((t) => { const [h, m] = t.split(':').map(Number) as [number, number]; return h * 60 + m; }) as [number, number];
  if (from === to) return 24;
  return ((to - from + 1440) % 1440) / 60;
}

/** Bay hours a station offers per day. */
export function dailyCapacityHours(station: { hours: string; serviceBays?: number }, defaultBays: number): number {
  return (station.serviceBays ?? defaultBays) * openHoursPerDay(station.hours);
}

/** 400 unless the whole slot [start, end) lies in the station's opening hours (checked every 15 minutes and at the end). */
export function assertWithinOpeningHours(hours: string, startMs: number, endMs: number, field = 'body.start'): void {
  for (let t = startMs; t < endMs; t += 15 * 60_000) {
    if (!isOpenAt(hours, new Date(t))) {
      throw new ValidationError(`the station is closed during the slot (opening hours ${hours}, China time)`, [{ field, message: `outside opening hours ${hours} (China time)` }]);
    }
  }
  if (!isOpenAt(hours, new Date(endMs - 1))) {
    throw new ValidationError(`the slot ends after closing time (opening hours ${hours}, China time)`, [{ field, message: `ends outside opening hours ${hours} (China time)` }]);
  }
}
