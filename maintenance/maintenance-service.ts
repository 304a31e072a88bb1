// Maintenance use cases the API offers: plans, service history, what is due for a vehicle or a fleet, and
// reminders (list, snooze, dismiss). No HTTP, no environment: the caller passes the clock and the settings.
import { randomUUID } from 'node:crypto';
import { customerInScope, requireRole, seesEverything, type Caller, type CustomerScope } from '../core/auth.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors.ts';
import { cstDate, type DueStatus } from '../core/maintenance-due.ts';
import { planFor, planProblems, type MaintenancePlan } from '../core/maintenance-plan.ts';
import type { Reminder, ReminderState } from '../core/maintenance-reminder.ts';
import { currentUsage, engineHoursAt } from '../core/maintenance-usage.ts';
import { DEFAULT_WARRANTY_POLICY } from '../core/warranty.ts';
import type { Vehicle } from '../core/registry.ts';
import { offerNear, serviceDayDateProblem, type ServiceDayOffer } from '../core/service-day.ts';
import type { LocalizedText } from '../core/maintenance-plan.ts';
import type { MaintenanceStore, ServiceRecord, VehicleDue } from '../infra/maintenance-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { RepairSettingsStore } from '../infra/repair-settings-store.ts';
import type { DueRules } from '../core/maintenance-due.ts';
import { vehicleDue } from './due-scan.ts';

export interface ServiceInput {
  readonly id?: string;
  /** `YYYY-MM-DD` (CST) or an ISO date-time. */
  readonly date: string;
  readonly odometerKm: number;
  readonly engineHours?: number;
  readonly items: readonly string[];
  readonly stationId?: string;
  readonly note?: string;
}

export interface MaintenanceServiceDeps {
  store: MaintenanceStore;
  registry: Pick<RegistryStore, 'get' | 'getMany' | 'vehiclesOfCustomer' | 'list' | 'assignments'>;
  scope: { customers(caller: Caller): Promise<CustomerScope> };
  rules: DueRules;
  /** The repair loop's warranty policies (the warranty due item uses the model's). */
  warranty: Pick<RepairSettingsStore, 'warrantyPolicy'>;
  serviceDay: { dayOfMonth: number; nearDays: number };
  now: () => number;
}

function parseServiceDate(date: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00+08:00`) : Date.parse(date);
}

export function createMaintenanceService(deps: MaintenanceServiceDeps) {
  const { store, registry } = deps;

  async function vehicleInScope(caller: Caller, vin: string): Promise<Vehicle> {
    const vehicle = await registry.get('vehicle', vin);
    if (!vehicle || !customerInScope(await deps.scope.customers(caller), vehicle.customerId)) throw new NotFoundError('vehicle', vin);
    return vehicle;
  }

  /** Recomputes and stores one vehicle's due items now (after its history changed). */
  async function refreshDue(vehicle: Vehicle): Promise<VehicleDue> {
    const [plans, last, usage, summaryDay, policy] = await Promise.all([
      store.plans(), store.lastServices([vehicle.vin]), store.usage([vehicle.vin]), store.usageSummaryDay(),
      vehicle.model !== undefined ? deps.warranty.warrantyPolicy(vehicle.model) : undefined,
    ]);
    const due = vehicleDue(vehicle, planFor(plans, vehicle.model), last.get(vehicle.vin), currentUsage(usage.get(vehicle.vin), summaryDay), deps.now(), deps.rules, policy ?? DEFAULT_WARRANTY_POLICY);
    await store.putDue([due]);
    return due;
  }

  async function putPlans(caller: Caller, plans: readonly MaintenancePlan[]): Promise<void> {
    requireRole(caller, ['admin']);
    const problems = plans.flatMap((p, i) => planProblems(p, `body[${i}]`));
    const models = new Set<string>();
    plans.forEach((p, i) => {
      if (models.has(p.model)) problems.push({ field: `body[${i}].model`, message: `model ${p.model} appears twice` });
      models.add(p.model);
    });
    if (problems.length) throw new ValidationError(problems[0]!.message, problems);
    await store.putPlans(plans);
  }

  /** Validates a service record against the registry, the plan and the rules of its fields; builds it. Writes nothing. */
  async function prepareService(caller: Caller, vin: string, input: ServiceInput, source: ServiceRecord['source'], links: Pick<ServiceRecord, 'caseId' | 'appointmentId'>) {
    requireRole(caller, ['admin', 'agent', 'advisor', 'station']);
    const vehicle = caller.role === 'station' ? await registry.get('vehicle', vin) : await vehicleInScope(caller, vin);
    if (!vehicle) throw new NotFoundError('vehicle', vin);
    if (caller.role === 'station' && input.stationId !== undefined && input.stationId !== caller.stationId) {
      throw new ForbiddenError('a station records services done at itself');
    }
    const atMs = parseServiceDate(input.date);
    if (!Number.isFinite(atMs)) throw new ValidationError('body.date is not a date', [{ field: 'body.date', message: 'must be YYYY-MM-DD or an ISO date-time' }]);
    if (atMs > deps.now()) throw new ValidationError('body.date is in the future', [{ field: 'body.date', message: `${input.date} is after today (${cstDate(deps.now())})` }]);
    const plan = planFor(await store.plans(), vehicle.model);
    const known = new Set(plan?.items.map((i) => i.id) ?? []);
    const unknown = input.items.findIndex((i) => !known.has(i));
    if (unknown >= 0) {
      throw new ValidationError(`body.items: ${input.items[unknown]} is not an item of the vehicle's plan`, [{ field: `body.items[${unknown}]`, message: `not an item of the plan (${[...known].join(', ')})` }]);
    }
    const stationId = input.stationId ?? (caller.role === 'station' ? caller.stationId : undefined);
    if (input.stationId !== undefined && !(await registry.get('station', input.stationId))) {
      throw new ValidationError(`body.stationId: station ${input.stationId} does not exist`, [{ field: 'body.stationId', message: 'unknown station' }]);
    }
    // Without engine hours the cycle's hours limit counts from the truck's reading at the service, taken from its
    // usage (the snapshot as stored: its rate is the one of the window before its reading); none known, no hours limit.
    const fromUsage = input.engineHours === undefined ? engineHoursAt((await store.usage([vin])).get(vin), atMs) : undefined;
    const record: ServiceRecord = {
      id: input.id ?? `svc-${randomUUID()}`, vin, customerId: vehicle.customerId, atMs, odometerKm: input.odometerKm,
      ...(input.engineHours !== undefined ? { engineHours: input.engineHours } : {}),
      ...(fromUsage !== undefined ? { engineHoursFromUsage: fromUsage } : {}),
      items: [...new Set(input.items)], ...(stationId ? { stationId } : {}), source, ...links,
      ...(input.note ? { note: input.note } : {}), recordedAt: deps.now(), recordedBy: caller.sub,
    };
    return { vehicle, record };
  }

  async function recordService(caller: Caller, vin: string, input: ServiceInput, source: ServiceRecord['source'] = 'manual', links: Pick<ServiceRecord, 'caseId' | 'appointmentId'> = {}) {
    const { vehicle, record } = await prepareService(caller, vin, input, source, links);
    const result = await store.recordService(record);
    const due = await refreshDue(vehicle);
    return { ...result, due };
  }

  /**
   * Would `recordService` accept this record now? Every check it makes, including the odometer order against the
   * vehicle's history (which the store's script enforces again, atomically, when the record is written). For a caller
   * that must do something irreversible first — completing an appointment consumes its parts kit — so that a refused
   * record is refused before anything changed. A record whose id is already stored passes (recording it is a no-op).
   */
  async function checkService(caller: Caller, vin: string, input: ServiceInput, source: ServiceRecord['source'] = 'manual', links: Pick<ServiceRecord, 'caseId' | 'appointmentId'> = {}): Promise<void> {
    const { record } = await prepareService(caller, vin, input, source, links);
    await store.checkOdometer(record);
  }

  async function services(caller: Caller, vin: string): Promise<ServiceRecord[]> {
    await vehicleInScope(caller, vin);
    return store.services(vin);
  }

  /** What is due for one vehicle, computed now from its stored usage and history. */
  async function vehicleMaintenance(caller: Caller, vin: string) {
    const vehicle = await vehicleInScope(caller, vin);
    const [plans, usage] = await Promise.all([store.plans(), store.usage([vin])]);
    const plan = planFor(plans, vehicle.model);
    const due = await refreshDue(vehicle);
    return { vehicle, plan, usage: usage.get(vin), due };
  }

  /** The fleet's due status from the last scan, scoped to the caller. */
  async function fleet(caller: Caller, query: { customerId?: string; status?: DueStatus; offset: number; limit: number }) {
    const scope = await deps.scope.customers(caller);
    let vins: string[];
    if (query.customerId !== undefined) {
      if (!customerInScope(scope, query.customerId)) return { items: [], total: 0, offset: query.offset, limit: query.limit };
      vins = await registry.vehiclesOfCustomer(query.customerId);
    } else if (scope.all) {
      vins = (await registry.list('vehicle')).map((v) => v.vin);
    } else {
      vins = (await Promise.all([...scope.customerIds].map((c) => registry.vehiclesOfCustomer(c)))).flat();
    }
    vins.sort();
    const dues = (await store.due(vins)).filter((d): d is VehicleDue => d !== undefined && (query.status === undefined || d.status === query.status));
    return { items: dues.slice(query.offset, query.offset + query.limit), total: dues.length, offset: query.offset, limit: query.limit };
  }

  async function reminders(caller: Caller, query: { customerId?: string; state?: ReminderState; limit: number }): Promise<Reminder[]> {
    requireRole(caller, ['admin', 'agent', 'advisor', 'customer']);
    const scope = await deps.scope.customers(caller);
    let customers: string[];
    if (query.customerId !== undefined) customers = customerInScope(scope, query.customerId) ? [query.customerId] : [];
    else if (scope.all) customers = (await registry.list('customer')).map((c) => c.id);
    else customers = [...scope.customerIds];
    const now = deps.now();
    const list = (await store.remindersOf(customers, query.state ? query.limit * 4 : query.limit))
      .map((r) => (r.state === 'snoozed' && r.snoozedUntil !== undefined && r.snoozedUntil <= now ? { ...r, state: 'open' as const } : r))
      .filter((r) => query.state === undefined || r.state === query.state)
      .slice(0, query.limit);
    // The service-day offer of one of the customer's fixed points near the due date (now, for what is already
    // overdue) goes with the reminder.
    const offers = await store.serviceDays();
    if (offers.length === 0) return list;
    const stationsOf = new Map<string, Set<string>>();
    for (const c of new Set(list.map((r) => r.customerId))) stationsOf.set(c, new Set((await registry.assignments(c)).map((a) => a.stationId)));
    return list.map((r) => {
      const offer = r.itemId === 'warranty' ? undefined : offerNear(offers, stationsOf.get(r.customerId)!, Math.max(r.due.predictedMs ?? now, now), deps.serviceDay.nearDays);
      return offer ? { ...r, serviceDay: { stationId: offer.stationId, date: offer.date, offer: offer.offer } } : r;
    });
  }

  /** A station (its own) or an admin publishes the offer of a service day. */
  async function publishServiceDay(caller: Caller, stationId: string, date: string, offer: LocalizedText): Promise<ServiceDayOffer> {
    requireRole(caller, ['admin', 'station']);
    if (caller.role === 'station' && caller.stationId !== stationId) throw new NotFoundError('station', stationId);
    const station = await registry.get('station', stationId);
    if (!station) throw new NotFoundError('station', stationId);
    const problem = serviceDayDateProblem(date, deps.serviceDay.dayOfMonth, cstDate(deps.now()));
    if (problem) throw new ValidationError(`params.date ${problem}`, [{ field: 'params.date', message: problem }]);
    const published: ServiceDayOffer = { stationId, date, offer, publishedBy: caller.sub };
    await store.putServiceDay(published);
    return published;
  }

  async function reminderInScope(caller: Caller, id: string): Promise<Reminder> {
    requireRole(caller, ['admin', 'agent', 'advisor', 'customer']);
    const r = await store.reminder(id);
    if (!r || !(seesEverything(caller) || customerInScope(await deps.scope.customers(caller), r.customerId))) throw new NotFoundError('reminder', id);
    return r;
  }

  async function snooze(caller: Caller, id: string, untilMs: number, reason: string): Promise<Reminder> {
    await reminderInScope(caller, id);
    if (!(untilMs > deps.now())) throw new ValidationError('body.until must be in the future', [{ field: 'body.until', message: 'must be after now' }]);
    return store.updateReminder(id, (r) => {
      if (r.state === 'dismissed') throw new ValidationError('a dismissed reminder cannot be snoozed', [{ field: 'state', message: 'dismissed' }]);
      return { ...r, state: 'snoozed', snoozedUntil: untilMs, reason, by: caller.sub };
    });
  }

  async function dismiss(caller: Caller, id: string, reason: string): Promise<Reminder> {
    await reminderInScope(caller, id);
    return store.updateReminder(id, (r) => ({ ...r, state: 'dismissed', reason, by: caller.sub }));
  }

  return { publishServiceDay, serviceDays: () => store.serviceDays(), putPlans, plans: () => store.plans(), deletePlan: store.deletePlan, recordService, checkService, services, vehicleMaintenance, fleet, reminders, snooze, dismiss, refreshDue, vehicleInScope };
}

export type MaintenanceService = ReturnType<typeof createMaintenanceService>;
