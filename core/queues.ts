// BullMQ queues that cross process boundaries: name → payload, defined once.
// Queues are created with the `bullPrefix` of core/keys.ts.

export interface Dtc {
  /** Suspect parameter number, 0–524287. */
  spn: number;
  /** Failure mode identifier, 0–31. */
  fmi: number;
  /** Occurrence count, 0–126. */
  oc: number;
}

export interface Lamps {
  mil: boolean;
  redStop: boolean;
  amberWarning: boolean;
  protect: boolean;
}

export type FaultSeverity = 'critical' | 'warning' | 'emissions' | 'info';

/**
 * Emitted by the ingester when a vehicle's DM1 snapshot (set of active DTCs or lamps) changed,
 * ordered by device time. `id` is deterministic, so a redelivered snapshot can never make a second job.
 */
export interface FaultEvent {
  id: string;
  vin: string;
  customerId: string;
  /** Device time of the snapshot, epoch ms. */
  ts: number;
  receivedAt: number;
  lat?: number;
  lon?: number;
  lamps: Lamps;
  /** Highest severity among the active codes and lamps. */
  severity: FaultSeverity;
  active: Dtc[];
  added: Dtc[];
  cleared: Dtc[];
}

export const QUEUES = {
  /** Ingester → dispatcher: changed DM1 snapshots. */
  faultEvents: 'fault-events',
} as const;

export interface QueuePayloads {
  [QUEUES.faultEvents]: FaultEvent;
}
