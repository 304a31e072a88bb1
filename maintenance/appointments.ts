// Service appointments: the customer or its advisor books the due items at a station — proposed first: the
// customer's fixed point in the region where the truck is expected to be (its newest rolled-up position) —
// inside opening hours and the station's daily capacity; the station confirms or proposes another time; the
// parts kit is reserved for the appointment with the repair loop's atomic reservation (parts/reservations.ts,
// holder = appointment id); reschedule, cancel, no-show; completing it records the service, which moves the
// next due dates.
import { randomUUID } from 'node:crypto';
import { servingFor } from '../core/assignment-rules.ts';
import { customerInScope, requireRole, seesEverything, type Caller, type CustomerScope } from '../core/auth.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors.ts';
import {
  ACTIVE_APPOINTMENT, assertAppointmentTransition, assertWithinOpeningHours, dailyCapacityHours,
  type Appointment, type AppointmentStatus,
} from '../core/maintenance-appointment.ts';
import { cstDate } from '../core/maintenance-due.ts';
import { planFor, type KitLine } from '../core/maintenance-plan.ts';
import type { LiveEvent } from '../core/events.ts';
import type { CasePart } from '../core/parts-plan.ts';
import type { RegionMap } from '../core/regions.ts';
import type { Station, Vehicle } from '../core/registry.ts';
import type { AppointmentStore } from '../infra/appointment-store.ts';
import type { MaintenanceStore } from '../infra/maintenance-store.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { MaintenanceService } from './maintenance-service.ts';

/** The kit reservation this use case needs: the repair loop's (parts/reservations.ts), narrowed. */
export interface KitReservations {
  reserveKit(req: { holder: string; lines: ReadonlyArray<{ partNo: string; qty: number }>; station: { id: string; lat: number; lon: number } }): Promise<CasePart[]>;
  releaseKit(holder: string, parts: readonly CasePart[]): Promise<CasePart[]>;
  consumeKit(holder: string, stationId: string, parts: readonly CasePart[], used: ReadonlyArray<{ partNo: string; qty: number }>): Promise<CasePart[]>;
}

export interface AppointmentDeps {
  appointments: AppointmentStore;
  store: Pick<MaintenanceStore, 'plans' | 'usage' | 'due'>;
  registry: Pick<RegistryStore, 'get' | 'getMany' | 'assignments'>;
  scope: { customers(caller: Caller): Promise<CustomerScope> };
  regions: Pick<RegionMap, 'locate'>;
  kits: KitReservations;
  maintenance: Pick<MaintenanceService, 'recordService' | 'checkService'>;
  defaultServiceBays: number;
  now: () => number;
}

/** An appointment as answered: the record plus the names of its truck, customer and station. */
export type NamedAppointment = Appointment & { plate?: string; model?: string; customerName?: string; stationName?: string };

const BOOKERS = ['admin', 'agent', 'advisor', 'customer'] as const;

/** What happened to an appointment, as the live event says it: `maintenance.appointment.<change>`. */
export type AppointmentChange = 'created' | 'confirmed' | 'proposed' | 'rescheduled' | 'cancelled' | 'no_show' | 'completed';

/**
 * The live event of an appointment change: seen by the customer and its advisors (customerId), the appointment's
 * station (stationIds, data.stationId), agents and admins; forwarded to the customer's webhook like reminders.
 */
export function appointmentEvent(a: Appointment, change: AppointmentChange, by: string, atMs: number): LiveEvent {
  return {
    type: `maintenance.appointment.${change}`, at: new Date(atMs).toISOString(), vin: a.vin, customerId: a.customerId, stationIds: [a.stationId],
    data: {
      appointmentId: a.id, status: a.status, stationId: a.stationId, items: a.items, start: new Date(a.startMs).toISOString(), end: new Date(a.endMs).toISOString(),
      ...(a.proposedStartMs !== undefined ? { proposedStart: new Date(a.proposedStartMs).toISOString() } : {}),
      ...(a.serviceId !== undefined ? { serviceId: a.serviceId } : {}),
      by,
    },
  };
}
const STATION_SIDE = ['admin', 'agent', 'station'] as const;

export function createAppointments(deps: AppointmentDeps) {
  const { appointments } = deps;

  async function vehicleInScope(caller: Caller, vin: string): Promise<Vehicle> {
    const vehicle = await deps.registry.get('vehicle', vin);
    if (!vehicle || !customerInScope(await deps.scope.customers(caller), vehicle.customerId)) throw new NotFoundError('vehicle', vin);
    return vehicle;
  }

  async function activeStation(id: string, field: string): Promise<Station> {
    const station = await deps.registry.get('station', id);
    if (!station || !station.active) throw new ValidationError(`station ${id} does not exist or is inactive`, [{ field, message: 'unknown or inactive station' }]);
    return station;
  }

  async function visible(caller: Caller, id: string): Promise<{ appointment: Appointment; json: string }> {
    const found = await appointments.get(id);
    if (!found) throw new NotFoundError('appointment', id);
    const a = found.appointment;
    const ok = seesEverything(caller) || (caller.role === 'station' ? caller.stationId === a.stationId : customerInScope(await deps.scope.customers(caller), a.customerId));
    if (!ok) throw new NotFoundError('appointment', id);
    return found;
  }

  /** The station to propose: the customer's fixed point where the truck is expected to be (else its home region). */
  async function proposal(caller: Caller, vin: string) {
    requireRole(caller, [...BOOKERS]);
    const vehicle = await vehicleInScope(caller, vin);
    const [usage, [due], assignments, customer] = await Promise.all([
      deps.store.usage([vin]), deps.store.due([vin]), deps.registry.assignments(vehicle.customerId), deps.registry.get('customer', vehicle.customerId),
    ]);
    const u = usage.get(vin);
    const region = u?.lat !== undefined && u.lon !== undefined ? deps.regions.locate(u.lat, u.lon)?.code : vehicle.homeRegion;
    const serving = servingFor(assignments, region ?? vehicle.homeRegion, customer?.leadAdvisorId);
    const items = (due?.items ?? []).filter((i) => i.status !== 'ok' && i.itemId !== 'warranty').map((i) => i.itemId);
    return { vin, region: region ?? null, basis: serving.basis, stationId: serving.assignment?.stationId ?? null, items };
  }

  async function book(caller: Caller, input: { vin: string; stationId?: string; items?: string[]; start: string }): Promise<Appointment> {
    requireRole(caller, [...BOOKERS]);
    const vehicle = await vehicleInScope(caller, input.vin);
    const proposed = input.stationId === undefined || input.items === undefined ? await proposal(caller, input.vin) : undefined;
    const stationId = input.stationId ?? proposed?.stationId;
    if (!stationId) throw new ValidationError('no fixed point for the truck\'s region: give body.stationId', [{ field: 'body.stationId', message: 'required: the customer has no fixed point where the truck is' }]);
    const station = await activeStation(stationId, 'body.stationId');
    const plan = planFor(await deps.store.plans(), vehicle.model);
    const items = input.items ?? proposed!.items;
    if (items.length === 0) throw new ValidationError('nothing is due: give body.items', [{ field: 'body.items', message: 'no item is due; name the items to service' }]);
    const chosen = items.map((id, i) => {
      const item = plan?.items.find((p) => p.id === id);
      if (!item) throw new ValidationError(`body.items: ${id} is not an item of the vehicle's plan`, [{ field: `body.items[${i}]`, message: 'not an item of the plan' }]);
      return item;
    });
    const startMs = Date.parse(input.start);
    if (!(startMs > deps.now())) throw new ValidationError('body.start must be in the future', [{ field: 'body.start', message: 'must be after now' }]);
    const bayHours = chosen.reduce((s, i) => s + i.labourHours, 0);
    const endMs = startMs + bayHours * 3600_000;
    assertWithinOpeningHours(station.hours, startMs, endMs);
    const now = deps.now();
    const appointment: Appointment = {
      id: `apt-${randomUUID()}`, vin: vehicle.vin, customerId: vehicle.customerId, stationId: station.id, items: chosen.map((i) => i.id),
      startMs, endMs, bayHours, status: 'requested', kit: [], createdAt: now, createdBy: caller.sub,
      history: [{ at: now, by: caller.sub, action: 'requested' }],
    };
    // Slot and appointment in one atomic unit; then the kit, held under the appointment's id.
    await appointments.save(appointment, '', { book: true, capacityHours: dailyCapacityHours(station, deps.defaultServiceBays) }, appointmentEvent(appointment, 'created', caller.sub, now));
    const lines = mergeKit(chosen.flatMap((i) => i.kit));
    const kit = await deps.kits.reserveKit({ holder: appointment.id, lines, station });
    const withKit = { ...appointment, kit };
    try {
      await appointments.save(withKit, JSON.stringify(appointment), { keep: true });
    } catch (err) {
      await deps.kits.releaseKit(appointment.id, kit);
      throw err;
    }
    return withKit;
  }

  /** Applies a change with a compare-and-set; `slot` says what happens to the booked bay hours. */
  async function change(
    caller: Caller, id: string, roles: readonly Caller['role'][], to: AppointmentStatus, event: AppointmentChange, note: string | undefined,
    edit: (a: Appointment, station: Station) => Promise<{ slot: 'keep' | 'free' | 'book' }>,
  ): Promise<Appointment> {
    requireRole(caller, roles);
    const { appointment: current, json } = await visible(caller, id);
    assertAppointmentTransition(current.status, to);
    const station = await activeStation(current.stationId, 'stationId');
    const now = deps.now();
    const next: Appointment = { ...current, items: [...current.items], kit: [...current.kit], history: [...current.history, { at: now, by: caller.sub, action: to, ...(note ? { note } : {}) }], status: to };
    const { slot } = await edit(next, station);
    await appointments.save(next, json,
      slot === 'keep' ? { keep: true } : slot === 'free' ? { book: false, previous: current } : { book: true, capacityHours: dailyCapacityHours(station, deps.defaultServiceBays), previous: current },
      appointmentEvent(next, event, caller.sub, now));
    return next;
  }

  function assertStationSide(caller: Caller, a: Appointment): void {
    if (caller.role === 'station' && caller.stationId !== a.stationId) throw new ForbiddenError('only the appointment\'s station answers it');
  }

  function moveTo(a: Appointment, station: Station, start: string): void {
    const startMs = Date.parse(start);
    if (!(startMs > deps.now())) throw new ValidationError('body.start must be in the future', [{ field: 'body.start', message: 'must be after now' }]);
    assertWithinOpeningHours(station.hours, startMs, startMs + a.bayHours * 3600_000);
    a.startMs = startMs;
    a.endMs = startMs + a.bayHours * 3600_000;
  }

  const confirm = (caller: Caller, id: string) =>
    change(caller, id, STATION_SIDE, 'confirmed', 'confirmed', undefined, async (a) => {
      assertStationSide(caller, a);
      if (caller.role !== 'station' && a.status === 'proposed') throw new ForbiddenError('the customer accepts a proposed time');
      return { slot: 'keep' };
    });

  /** The customer or advisor accepts the station's proposed time. */
  const accept = (caller: Caller, id: string) =>
    change(caller, id, BOOKERS, 'confirmed', 'confirmed', undefined, async (a) => {
      if (a.proposedStartMs === undefined) throw new ValidationError('the station has not proposed another time', [{ field: 'status', message: 'not proposed' }]);
      delete a.proposedStartMs;
      return { slot: 'keep' };
    });

  /** The station proposes another time: the slot moves there (capacity checked), the customer accepts or reschedules. */
  const proposeTime = (caller: Caller, id: string, start: string) =>
    change(caller, id, STATION_SIDE, 'proposed', 'proposed', undefined, async (a, station) => {
      assertStationSide(caller, a);
      moveTo(a, station, start);
      a.proposedStartMs = a.startMs;
      return { slot: 'book' };
    });

  const reschedule = (caller: Caller, id: string, start: string) =>
    change(caller, id, BOOKERS, 'requested', 'rescheduled', undefined, async (a, station) => {
      moveTo(a, station, start);
      delete a.proposedStartMs;
      return { slot: 'book' };
    });

  const cancel = (caller: Caller, id: string, reason: string) =>
    change(caller, id, [...BOOKERS, 'station'], 'cancelled', 'cancelled', reason, async (a) => {
      assertStationSide(caller, a);
      a.kit = await deps.kits.releaseKit(a.id, a.kit);
      return { slot: 'free' };
    });

  const noShow = (caller: Caller, id: string) =>
    change(caller, id, STATION_SIDE, 'no_show', 'no_show', undefined, async (a) => {
      assertStationSide(caller, a);
      a.kit = await deps.kits.releaseKit(a.id, a.kit);
      return { slot: 'free' };
    });

  /** The station completes the service: the kit is consumed (what was used), the service recorded, due dates move. */
  const complete = (caller: Caller, id: string, input: { odometerKm: number; engineHours?: number; partsUsed?: KitLine[] }) =>
    change(caller, id, STATION_SIDE, 'completed', 'completed', undefined, async (a) => {
      assertStationSide(caller, a);
      const service = {
        id: `svc-${a.id}`, date: new Date(Math.min(deps.now(), a.startMs)).toISOString(), odometerKm: input.odometerKm,
        ...(input.engineHours !== undefined ? { engineHours: input.engineHours } : {}), items: a.items, stationId: a.stationId,
      };
      // The record is checked before the kit is consumed: a refused record (an odometer below an earlier service's)
      // must leave the stock and the appointment as they were.
      await deps.maintenance.checkService(caller, a.vin, service, 'appointment', { appointmentId: a.id });
      const used = input.partsUsed ?? a.kit.filter((p) => p.status !== 'unavailable').map((p) => ({ partNo: p.partNo, qty: p.qty }));
      a.kit = await deps.kits.consumeKit(a.id, a.stationId, a.kit, used);
      const { record } = await deps.maintenance.recordService(caller, a.vin, service, 'appointment', { appointmentId: a.id });
      a.serviceId = record.id;
      return { slot: 'keep' };
    });

  async function list(caller: Caller, query: { customerId?: string; stationId?: string; status?: AppointmentStatus; limit: number }): Promise<Appointment[]> {
    let found: Appointment[];
    if (caller.role === 'station') found = await appointments.list({ stationId: caller.stationId! }, query.limit * 4);
    else if (query.stationId !== undefined && seesEverything(caller)) found = await appointments.list({ stationId: query.stationId }, query.limit * 4);
    else if (query.customerId !== undefined) {
      found = customerInScope(await deps.scope.customers(caller), query.customerId) ? await appointments.list({ customerId: query.customerId }, query.limit * 4) : [];
    } else if (seesEverything(caller)) found = await appointments.all(query.limit * 4);
    else {
      const scope = await deps.scope.customers(caller);
      found = scope.all ? [] : (await Promise.all([...scope.customerIds].map((c) => appointments.list({ customerId: c }, query.limit * 4)))).flat();
    }
    return found.filter((a) => (query.status === undefined || a.status === query.status) && (query.stationId === undefined || a.stationId === query.stationId))
      .sort((a, b) => b.startMs - a.startMs).slice(0, query.limit);
  }

  /**
   * Appointments with the names people read: the truck's plate and model, the customer's and the station's names.
   * A station sees its appointments' trucks this way only (it may not read the vehicle registry).
   */
  async function namedAll(list: readonly Appointment[]): Promise<NamedAppointment[]> {
    const unique = (ids: string[]) => [...new Set(ids)];
    const [vins, customerIds, stationIds] = [unique(list.map((a) => a.vin)), unique(list.map((a) => a.customerId)), unique(list.map((a) => a.stationId))];
    // One read per kind for the whole list, not three per appointment.
    const [vehicles, customers, stations] = await Promise.all([
      deps.registry.getMany('vehicle', vins), deps.registry.getMany('customer', customerIds), deps.registry.getMany('station', stationIds),
    ]);
    const byId = <T>(ids: string[], found: Array<T | undefined>) => new Map(ids.map((id, i) => [id, found[i]]));
    const vehicleOf = byId(vins, vehicles), customerOf = byId(customerIds, customers), stationOf = byId(stationIds, stations);
    return list.map((a) => {
      const vehicle = vehicleOf.get(a.vin), customer = customerOf.get(a.customerId), station = stationOf.get(a.stationId);
      return {
        ...a,
        ...(vehicle?.plate ? { plate: vehicle.plate } : {}), ...(vehicle?.model ? { model: vehicle.model } : {}),
        ...(customer ? { customerName: customer.name } : {}), ...(station ? { stationName: station.name } : {}),
      };
    });
  }
  const named = async (a: Appointment): Promise<NamedAppointment> => (await namedAll([a]))[0]!;
  const naming = <A extends unknown[]>(run: (...args: A) => Promise<Appointment>) => async (...args: A) => named(await run(...args));

  return {
    proposal, book: naming(book), confirm: naming(confirm), accept: naming(accept), proposeTime: naming(proposeTime), reschedule: naming(reschedule),
    cancel: naming(cancel), noShow: naming(noShow), complete: naming(complete),
    list: async (caller: Caller, query: Parameters<typeof list>[1]) => namedAll(await list(caller, query)),
    get: naming(async (caller: Caller, id: string) => (await visible(caller, id)).appointment),
    isActive: (a: Appointment) => ACTIVE_APPOINTMENT.includes(a.status), dayOf: (a: Appointment) => cstDate(a.startMs),
  };
}

function mergeKit(lines: readonly KitLine[]): KitLine[] {
  const byPart = new Map<string, number>();
  for (const l of lines) byPart.set(l.partNo, (byPart.get(l.partNo) ?? 0) + l.qty);
  return [...byPart].map(([partNo, qty]) => ({ partNo, qty }));
}

export type Appointments = ReturnType<typeof createAppointments>;
