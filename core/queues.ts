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

/** Dispatcher work on one rescue case: commands (from the API or the dispatcher) and timers (delayed jobs). */
export type RescueJob =
  | { kind: 'advance'; caseId: string }
  | { kind: 'offer_timeout'; caseId: string; attempt: number }
  | { kind: 'escalate'; caseId: string }
  | { kind: 'sla_warning'; caseId: string; clock: 'launch' | 'repair' }
  | { kind: 'driving_check'; caseId: string }
  | { kind: 'sweep' }
  /** Repair deadline passed: escalate once if the truck is not repaired. */
  | { kind: 'repair_deadline'; caseId: string }
  /** A depot courier's ready time passed: mark the delivered parts. */
  | { kind: 'parts_check'; caseId: string };

/** One customer webhook delivery of a rescue event (`streamId` = its id on the live stream). */
export interface WebhookDelivery {
  customerId: string;
  streamId: string;
  /** The LiveEvent JSON exactly as it will be signed and sent. */
  body: string;
}

export const RESCUE_QUEUES = {
  /** API + dispatcher → dispatcher: case commands and timers. */
  rescueJobs: 'rescue-jobs',
  /** Dispatcher → webhook deliverer: signed customer notifications. */
  webhooks: 'rescue-webhooks',
} as const;

export interface RescueQueuePayloads {
  [RESCUE_QUEUES.rescueJobs]: RescueJob;
  [RESCUE_QUEUES.webhooks]: WebhookDelivery;
}
