// Builds every service of the API once, from its configuration and clients. Called by api/main.ts (the
// composition root) and by tests; route files receive the result and only translate HTTP to a use case and
// back. No defaults are decided here: they all come from api/config.ts.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createEtaModel, type EtaModel } from '../core/eta.ts';
import { redisKeys, type RedisKeys } from '../core/keys.ts';
import type { RegionMap } from '../core/regions.ts';
import { createStationIndex, type StationIndex } from '../core/station-index.ts';
import { createCoverageService, type CoverageService } from '../coverage/coverage-service.ts';
import { createSuggestionAcceptance, type AcceptSuggestion } from '../coverage/accept-suggestion.ts';
import { createCaseStore, type CaseStore } from '../infra/case-store.ts';
import { createCoverageHistory, type CoverageHistory } from '../infra/coverage-history.ts';
import type { TokenVerifier } from '../infra/jwt.ts';
import { createRegistryCache, type RegistryView } from '../infra/registry-cache.ts';
import { createRegistryStore, type RegistryStore } from '../infra/registry-store.ts';
import { createRescueMetrics, type RescueMetrics } from '../infra/rescue-metrics.ts';
import type { TelemetryStore } from '../infra/telemetry-store.ts';
import { createWebhookDeliverer } from '../infra/webhooks.ts';
import { createFleetService, type FleetService } from '../fleet/fleet-service.ts';
import { createLiveTable } from '../fleet/live-table.ts';
import { createEventFanout, type EventFanout } from './event-fanout.ts';
import { createRegistryImporter, type RegistryImporter } from '../registry/importer.ts';
import { createVehicleUseCases, type VehicleUseCases } from '../registry/vehicles.ts';
import { createAssignmentCommands, type AssignmentCommands } from '../registry/assignments.ts';
import { createNetworkQueries, type NetworkQueries } from '../registry/network.ts';
import { createFileImport, type FileImport } from '../registry/file-import.ts';
import { createTrackHistory } from '../infra/track-history.ts';
import { createIngestDeadLetters, type IngestDeadLetters } from '../infra/ingest-dead-letters.ts';
import { createDeskService, type DeskService } from '../station-desk/desk-service.ts';
import { createRescueCommands, type RescueCommands } from '../rescue/commands.ts';
import { createRescueQueries, type RescueQueries } from '../rescue/queries.ts';
import { createRepairServices, type RepairServices } from '../repair/repair-services.ts';
import { createRepairCommands, type RepairCommands } from '../repair/commands.ts';
import { createScorecards, type Scorecards } from '../repair/scorecard.ts';
import { createTaskQueries, type TaskQueries } from '../tasks/queries.ts';
import { createComplaints, type Complaints } from '../complaints/complaints.ts';
import { createComplaintStore } from '../infra/complaint-store.ts';
import { createAccountServices, type AccountServices } from '../accounts/services.ts';
import { createTerminalStore } from '../infra/terminal-store.ts';
import { createTerminalBinding, type TerminalBinding } from '../terminals/terminal-binding.ts';
import type { ApiConfig } from './config.ts';
import { openDispatcherQueues, type DispatcherQueues } from './dispatcher-queues.ts';
import { createRegistrySnapshot, type RegistrySnapshot } from './registry-snapshot.ts';
import { createScopeResolver, type ScopeResolver } from './scope.ts';
import { createMaintenanceStore, type MaintenanceStore } from '../infra/maintenance-store.ts';
import { createMaintenanceService, type MaintenanceService } from '../maintenance/maintenance-service.ts';
import { createAppointments, type Appointments } from '../maintenance/appointments.ts';
import { createAppointmentStore } from '../infra/appointment-store.ts';

/** The clients main.ts (or a test) connects; the services use them, never the environment. */
export interface ApiClients {
  /** Fail-fast connection for request handlers (registry, live state, rate limiting, cases). */
  readonly redis: Redis;
  readonly redisPrefix: string;
  readonly tokens: TokenVerifier;
  /** InfluxDB (tracks, coverage history, health). */
  readonly telemetry: Pick<TelemetryStore, 'query' | 'ping'>;
  /** The API's MQTT client, only for the health report. */
  readonly mqtt: { readonly connected: boolean };
  /** China's regions (position → region, adjacency); infra/regions-data.ts loads it. */
  readonly regions: RegionMap;
  /** Pino logger; omit for a silent app (tests). */
  readonly logger?: Logger;
  /** The clock of case and complaint times (deadlines, working days); the system clock when omitted. */
  readonly now?: () => Date;
}

export interface ApiServices extends ApiClients {
  readonly config: ApiConfig;
  readonly keys: RedisKeys;
  readonly registry: RegistryStore;
  readonly importer: RegistryImporter;
  /** A registry, assignment or stock file (JSON rows or CSV), all or nothing, or a dry run (registry/file-import.ts). */
  readonly importFile: FileImport;
  readonly scope: ScopeResolver;
  /** Customers, stations and advisors in memory, current with the registry versions. */
  readonly registrySnapshot: RegistrySnapshot;
  /** A truck with its live state and who serves it, its track, the one-active-truck-per-plate rule (registry/vehicles.ts). */
  readonly vehicles: VehicleUseCases;
  /** Setting a customer's fixed points, all or nothing, under the assignment rules (registry/assignments.ts). */
  readonly assignments: AssignmentCommands;
  /** The one ETA model of this deployment (ROAD_CIRCUITY): nearest stations, cases and coverage agree. */
  readonly etaModel: EtaModel;
  /** Spatial index of the stations, rebuilt when the station registry changes. */
  readonly stationIndex: RegistryView<StationIndex>;
  /** Nearest stations (by etaModel), a station's customers, an advisor's trucks (registry/network.ts). */
  readonly network: NetworkQueries;
  /** The system's BullMQ queues, shared by every route that adds, counts or shows jobs. */
  readonly queues: DispatcherQueues;
  readonly cases: CaseStore;
  readonly rescueCommands: RescueCommands;
  readonly rescueQueries: RescueQueries;
  readonly rescueMetrics: RescueMetrics;
  /** Parts catalog, stock and reservations, warranty policies, working calendar. */
  readonly repair: RepairServices;
  readonly repairCommands: RepairCommands;
  readonly tasks: TaskQueries;
  readonly complaints: Complaints;
  readonly scorecard: Scorecards;
  readonly webhooks: Pick<ReturnType<typeof createWebhookDeliverer>, 'listDeadLetters'>;
  /** What the ingester refused (its dead-letter list and counts). */
  readonly ingestDeadLetters: IngestDeadLetters;
  readonly coverageHistory: CoverageHistory;
  readonly coverage: CoverageService;
  /** Accepting a fixed-point suggestion as a region's assignment (coverage/accept-suggestion.ts). */
  readonly acceptSuggestion: AcceptSuggestion;
  /** The one reader of the live event stream in this process, fanned out to the SSE route and the fleet's live table. */
  readonly liveEvents: EventFanout;
  /** Maintenance plans, service history, due items, reminders (docs/maintenance.md). */
  readonly maintenanceStore: MaintenanceStore;
  readonly maintenance: MaintenanceService;
  /** Service appointments with the parts kit reserved (docs/maintenance.md). */
  readonly appointments: Appointments;
  /** User accounts, sessions, sign-in, single sign-on, API keys, the audit trail and request credentials. */
  readonly accounts: AccountServices;
  /** JT/T 808 terminal ↔ vehicle bindings (docs/jt808.md). */
  readonly terminals: TerminalBinding;
  /** The console's fleet: live state of every visible truck, truck search (fleet/). */
  readonly fleet: FleetService;
  /** A station's own desk: its offers, rescues, vans in service, open/closed (station-desk/). */
  readonly stationDesk: DeskService;
  /** Closes what the services opened (queue objects); the clients are closed by their owner. Idempotent. */
  close(): Promise<void>;
}

export function createApiServices(config: ApiConfig, clients: ApiClients): ApiServices {
  const { redis, redisPrefix: prefix } = clients;
  const keys = redisKeys(prefix);
  const registry = createRegistryStore({ redis, prefix });
  const registryCache = createRegistryCache({ redis, keys });
  const etaModel = createEtaModel({ circuity: config.rescue.roadCircuity });
  const queues = openDispatcherQueues(redis, keys.bullPrefix);
  // One blocking reader of the live stream per process: the SSE route's connections and the fleet's live
  // columns in memory both listen to it.
  const liveEvents = createEventFanout({ redis, streamKey: keys.events });
  const liveTable = createLiveTable({
    redis, keys, events: liveEvents, resyncMs: config.fleetLiveResyncS * 1000,
    onError: (err) => clients.logger?.warn({ err }, 'fleet live table: resync failed'),
  });
  const scope = createScopeResolver(registry);
  const registrySnapshot = createRegistrySnapshot(registryCache, registry);
  const importer = createRegistryImporter({ registry, regions: clients.regions });
  const stationIndex = registryCache.view(['station'], async () => createStationIndex(await registry.list('station'), etaModel));
  const now = clients.now;
  const clock = now ? { now } : {};
  const cases = createCaseStore({
    redis,
    prefix,
    ...clock,
    clocks: { launchWindowS: config.rescue.launchWindowS, escalateBeforeS: config.rescue.escalateBeforeS, repairWindowS: config.rescue.repairWindowS },
  });
  const repair = createRepairServices({ redis, prefix, registry, cases, etaModel, config: config.repair, ...clock });
  const rescueQueries = createRescueQueries({ cases, scope });
  const complaintStore = createComplaintStore({ redis, prefix, ...clock });
  const coverageHistory = createCoverageHistory({ telemetry: clients.telemetry, redis, prefix });
  const coverage = createCoverageService(
    { redis, prefix, registry, history: coverageHistory, regions: clients.regions },
    { etaModel, cacheTtlS: config.coverageCacheTtlS },
  );
  const maintenanceStore = createMaintenanceStore({ redis, prefix });
  const maintenance = createMaintenanceService({ store: maintenanceStore, registry, scope, rules: config.maintenance.rules, warranty: repair.settings, serviceDay: { dayOfMonth: config.maintenance.serviceDayOfMonth, nearDays: config.maintenance.serviceDayNearDays }, now: () => Date.now() });
  return {
    ...clients,
    config,
    keys,
    registry,
    importer,
    importFile: createFileImport({ importer, stock: repair.catalog }),
    scope,
    registrySnapshot,
    assignments: createAssignmentCommands({ registry, regions: clients.regions }),
    vehicles: createVehicleUseCases({
      redis, keys, registry, scope, snapshot: registrySnapshot, regions: clients.regions, etaModel,
      tracks: createTrackHistory({ telemetry: clients.telemetry }),
    }),
    etaModel,
    stationIndex,
    network: createNetworkQueries({ registry, stationIndex, etaModel }),
    queues,
    cases,
    rescueCommands: createRescueCommands({
      store: cases, registry, redis, prefix, jobs: queues.rescueJobs, ...clock,
      caseParts: repair.caseParts, warranty: repair.warranty, followUpDelayS: config.repair.followUpDelayS,
    }),
    repair,
    rescueQueries,
    repairCommands: createRepairCommands({ store: cases }),
    tasks: createTaskQueries({ redis, prefix, cases, ...clock }),
    complaints: createComplaints({
      store: complaintStore, registry, settings: repair.settings, scope,
      visibleCase: rescueQueries.visibleCase, answerWorkingDays: config.repair.complaintAnswerWorkingDays, ...clock,
    }),
    scorecard: createScorecards({ redis, prefix, cases, complaints: complaintStore, ...clock }),
    rescueMetrics: createRescueMetrics({ redis, prefix, queues: queues.all }),
    webhooks: createWebhookDeliverer({ registry, redis, prefix, timeoutMs: config.webhookTimeoutMs }),
    ingestDeadLetters: createIngestDeadLetters({ redis, keys }),
    coverageHistory,
    coverage,
    acceptSuggestion: createSuggestionAcceptance({ coverage, registry, regions: clients.regions, ...clock }),
    liveEvents,
    maintenanceStore,
    maintenance,
    appointments: createAppointments({
      appointments: createAppointmentStore({ redis, prefix }), store: maintenanceStore, registry, scope, regions: clients.regions,
      kits: repair.reservations, maintenance, defaultServiceBays: config.maintenance.defaultServiceBays, now: () => Date.now(),
    }),
    accounts: createAccountServices({ redis, keys: keys.accounts, tokens: clients.tokens, config: config.accounts }),
    terminals: createTerminalBinding({ store: createTerminalStore({ redis, prefix }), vehicles: registry }),
    fleet: createFleetService({ redis, keys, registry, cache: registryCache, scope, regions: clients.regions, cases, liveTable }),
    stationDesk: createDeskService({ redis, keys, registry, regions: clients.regions, cases }),
    close: () => {
      liveTable.close();
      liveEvents.close();
      return queues.close();
    },
  };
}
