// Service history from repaired rescue cases: a consumer group on the live stream hears `rescue.repaired` (and its
// older name `rescue.resolved`), reads the case and records a service of the plan items whose whole kit the repair
// consumed (core/maintenance-case-service.ts). At-least-once delivery, exactly-once effect: the record's id is
// derived from the case (`svc-case-<caseId>`) and recording an existing id changes nothing, so a redelivered or
// re-claimed event never doubles the service. The record puts the vehicle on the scan's work list, which moves
// its due dates at the next incremental scan.
import type { Redis } from 'ioredis';
import { liveEventOfEntry } from '../core/events.ts';
import { ConflictError } from '../core/errors.ts';
import { redisKeys } from '../core/keys.ts';
import { caseServiceId, itemsServicedByParts } from '../core/maintenance-case-service.ts';
import { planFor } from '../core/maintenance-plan.ts';
import type { RescueCase } from '../core/rescue-case.ts';
import type { Logger } from '../infra/logger.ts';
import type { MaintenanceStore, ServiceRecord } from '../infra/maintenance-store.ts';
import { createStreamConsumer, type StreamEntry } from '../infra/stream-consumer.ts';

export type CaseServiceOutcome =
  | { outcome: 'recorded' | 'exists'; record: ServiceRecord }
  | { outcome: 'unknown_case' | 'not_repaired' | 'no_items' | 'no_odometer' | 'odometer_conflict' };

export function createCaseServiceRecorder(deps: {
  cases: { get(caseId: string): Promise<RescueCase | undefined> };
  store: Pick<MaintenanceStore, 'plans' | 'usage' | 'recordService'>;
  registry: { get(kind: 'vehicle', vin: string): Promise<{ model?: string } | undefined> };
  now: () => number;
}) {
  /** Records the service a repaired case did, if it covered plan items; the same case twice records it once. */
  async function recordFromCase(caseId: string): Promise<CaseServiceOutcome> {
    const c = await deps.cases.get(caseId);
    if (!c) return { outcome: 'unknown_case' };
    if (!c.repair?.repairedAt) return { outcome: 'not_repaired' };
    const [plans, vehicle, usage] = await Promise.all([deps.store.plans(), deps.registry.get('vehicle', c.vin), deps.store.usage([c.vin])]);
    const consumed = (c.parts ?? []).filter((p) => p.status === 'consumed').map((p) => ({ partNo: p.partNo, qty: p.consumedQty ?? p.qty }));
    const items = itemsServicedByParts(planFor(plans, vehicle?.model), consumed);
    if (items.length === 0) return { outcome: 'no_items' };
    // The odometer checked when the case opened (the same day); else the newest rolled-up reading.
    const snapshot = usage.get(c.vin);
    const odometerKm = c.warranty?.odometerKm ?? snapshot?.odometerKm;
    if (odometerKm === undefined) return { outcome: 'no_odometer' };
    const record: ServiceRecord = {
      id: caseServiceId(c.id), vin: c.vin, customerId: c.customerId, atMs: Date.parse(c.repair.repairedAt), odometerKm: Math.round(odometerKm),
      ...(snapshot?.engineHours !== undefined ? { engineHours: snapshot.engineHours } : {}),
      items, ...(c.launch?.stationId ? { stationId: c.launch.stationId } : {}),
      source: 'case', caseId: c.id, recordedAt: deps.now(), recordedBy: 'maintenance-scheduler',
    };
    try {
      const { created, record: stored } = await deps.store.recordService(record);
      return { outcome: created ? 'recorded' : 'exists', record: stored };
    } catch (err) {
      // A service recorded by hand with a higher odometer earlier: the history stays consistent, this one is skipped.
      if (err instanceof ConflictError) return { outcome: 'odometer_conflict' };
      throw err;
    }
  }

  return { recordFromCase };
}

export type CaseServiceRecorder = ReturnType<typeof createCaseServiceRecorder>;

/** Live stream → case service records (a consumer group of its own; entries stay for the other readers). */
export function createRepairedCaseRelay(deps: {
  /** A dedicated connection: XREADGROUP blocks it. */
  redis: Redis;
  prefix: string;
  consumer: string;
  recorder: Pick<CaseServiceRecorder, 'recordFromCase'>;
  logger: Logger;
  blockMs?: number;
  claimIdleMs?: number;
}) {
  const keys = redisKeys(deps.prefix);
  return createStreamConsumer({
    redis: deps.redis,
    stream: keys.events,
    group: keys.maintCaseServicesGroup,
    consumer: deps.consumer,
    startId: '$',
    deleteAfterAck: false,
    logger: deps.logger,
    name: 'repaired-case services',
    claimIdleMs: deps.claimIdleMs ?? 60_000,
    blockMs: deps.blockMs ?? 2000,
    async handle([, fields]: StreamEntry) {
      const event = liveEventOfEntry(fields)?.event;
      if (!event?.caseId || (event.type !== 'rescue.repaired' && event.type !== 'rescue.resolved')) return;
      const result = await deps.recorder.recordFromCase(event.caseId);
      deps.logger.info({ caseId: event.caseId, ...result }, 'repaired case → service history');
    },
  });
}
