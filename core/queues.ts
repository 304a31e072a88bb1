// BullMQ queues that cross process boundaries, each defined once: its name, its payload schema (which is at
// once the TypeScript type, the producer's check and the consumer's validation) and its job options.
// Queues are created with the `bullPrefix` of core/keys.ts.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { CRITICAL_ALARMS } from './alarm.ts';
import { DtcSchema, FaultSeveritySchema, LampsSchema } from './j1939.ts';

export const QUEUES = {
  /** Ingester → dispatcher: changed DM1 snapshots and terminals' critical alarms. */
  faultEvents: 'fault-events',
} as const;

export const RESCUE_QUEUES = {
  /** API + dispatcher → dispatcher: case commands and timers. */
  rescueJobs: 'rescue-jobs',
  /** Dispatcher → webhook deliverer: signed customer notifications. */
  webhooks: 'rescue-webhooks',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES] | (typeof RESCUE_QUEUES)[keyof typeof RESCUE_QUEUES];

/**
 * Emitted by the ingester when a vehicle's DM1 snapshot (set of active DTCs or lamps) changed,
 * ordered by device time. `id` is deterministic, so a redelivered snapshot can never make a second job.
 * Produced by ingest/apply-state.ts (inside its Lua script), checked by ingest/outbox-relay.ts before it
 * enters the queue and again by the dispatcher when it takes the job.
 */
export const FaultEventSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  vin: Type.String({ pattern: '^[A-HJ-NPR-Z0-9]{17}$' }),
  customerId: Type.String({ minLength: 1, maxLength: 64 }),
  /** Device time of the snapshot, epoch ms. */
  ts: Type.Number(),
  receivedAt: Type.Number(),
  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  lamps: LampsSchema,
  /** Highest severity among the active codes and lamps. */
  severity: FaultSeveritySchema,
  active: Type.Array(DtcSchema, { maxItems: 1000 }),
  added: Type.Array(DtcSchema, { maxItems: 1000 }),
  cleared: Type.Array(DtcSchema, { maxItems: 1000 }),
  /** Set when the event is a terminal's critical alarm (core/alarm.ts) rather than a DM1 change. */
  alarms: Type.Optional(Type.Array(Type.Union(CRITICAL_ALARMS.map((a) => Type.Literal(a))), { minItems: 1, maxItems: CRITICAL_ALARMS.length })),
});
export type FaultEvent = Static<typeof FaultEventSchema>;

const CaseId = Type.String({ minLength: 1, maxLength: 200 });

/** Dispatcher work on one rescue case: commands (from the API or the dispatcher) and timers (delayed jobs). */
export const RescueJobSchema = Type.Union([
  Type.Object({ kind: Type.Literal('advance'), caseId: CaseId }),
  Type.Object({ kind: Type.Literal('offer_timeout'), caseId: CaseId, attempt: Type.Integer({ minimum: 1 }) }),
  Type.Object({ kind: Type.Literal('escalate'), caseId: CaseId }),
  Type.Object({ kind: Type.Literal('sla_warning'), caseId: CaseId, clock: Type.Union([Type.Literal('launch'), Type.Literal('repair')]) }),
  Type.Object({ kind: Type.Literal('driving_check'), caseId: CaseId }),
  Type.Object({ kind: Type.Literal('sweep') }),
  /** The repair deadline passed: escalate once if the truck is not repaired. */
  Type.Object({ kind: Type.Literal('repair_deadline'), caseId: CaseId }),
  /** A depot courier's ready time passed: mark the delivered parts. */
  Type.Object({ kind: Type.Literal('parts_check'), caseId: CaseId }),
]);
export type RescueJob = Static<typeof RescueJobSchema>;

/** One customer webhook delivery of a rescue event (`streamId` = its id on the live stream). */
export const WebhookDeliverySchema = Type.Object({
  customerId: Type.String({ minLength: 1 }),
  streamId: Type.String({ pattern: '^[0-9]+-[0-9]+$' }),
  /** The LiveEvent JSON exactly as it will be signed and sent. */
  body: Type.String({ minLength: 2 }),
});
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>;

export interface QueuePayloads {
  [QUEUES.faultEvents]: FaultEvent;
  [RESCUE_QUEUES.rescueJobs]: RescueJob;
  [RESCUE_QUEUES.webhooks]: WebhookDelivery;
}

const PAYLOAD_CHECKS: { readonly [Q in QueueName]: TypeCheck<TSchema> } = {
  [QUEUES.faultEvents]: TypeCompiler.Compile(FaultEventSchema),
  [RESCUE_QUEUES.rescueJobs]: TypeCompiler.Compile(RescueJobSchema),
  [RESCUE_QUEUES.webhooks]: TypeCompiler.Compile(WebhookDeliverySchema),
};

export type PayloadCheck<Q extends QueueName> = { ok: true; payload: QueuePayloads[Q] } | { ok: false; problem: string };

/** Checks a payload against its queue's schema (compiled once: cheap enough for every job). */
export function checkQueuePayload<Q extends QueueName>(queue: Q, payload: unknown): PayloadCheck<Q> {
  const check = PAYLOAD_CHECKS[queue];
  if (check.Check(payload)) return { ok: true, payload: payload as QueuePayloads[Q] };
  const first = check.Errors(payload).First();
  return { ok: false, problem: first ? `${first.path || '/'}: ${first.message}` : `invalid ${queue} payload` };
}

/** The options every job of a queue is added with (plus its own `jobId` / `delay`), structurally BullMQ's JobsOptions. */
export interface QueueJobOptions {
  /** Tries in all; a transient failure (Redis, a webhook receiver) is retried, an invalid payload never. */
  readonly attempts: number;
  readonly backoff: { readonly type: 'exponential'; readonly delay: number };
  readonly removeOnComplete: { readonly age: number };
  readonly removeOnFail: { readonly age: number };
}

const DAY_S = 86_400;

/** Job options of each queue, defined once for every producer. */
export const JOB_OPTIONS: { readonly [Q in QueueName]: QueueJobOptions } = {
  // Completed jobs are kept 7 days so that a late re-add of the same event id is still recognised.
  [QUEUES.faultEvents]: { attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 7 * DAY_S }, removeOnFail: { age: 7 * DAY_S } },
  // Deterministic job ids (`advance-<case>-v<version>`, `offer-timeout-<case>-<attempt>`…) stay known for 7 days.
  [RESCUE_QUEUES.rescueJobs]: { attempts: 8, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: { age: 7 * DAY_S }, removeOnFail: { age: 14 * DAY_S } },
  // Defaults of WEBHOOK_ATTEMPTS / WEBHOOK_BACKOFF_MS (dispatcher/config.ts), which override attempts and delay.
  [RESCUE_QUEUES.webhooks]: { attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: DAY_S }, removeOnFail: { age: 7 * DAY_S } },
};
