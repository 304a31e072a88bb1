// Every Redis key and BullMQ prefix of the system, built in one place. `prefix` is REDIS_PREFIX.
// On Redis Cluster the prefix is a {hash tag}, so the control plane's multi-key scripts stay in one slot; per-vehicle
// live state spreads by VIN (see `spread` below and docs/scaling.md).
import type { RegistryKind } from './registry.ts';
import { accountKeys } from './account-keys.ts';

export function redisKeys(prefix: string) {
  const p = `${prefix}:`;
  // On Redis Cluster `prefix` is a {hash tag} (infra/config.ts): every key built on `p` lives in one slot. Keys that
  // must spread over the cluster are built on `spread`, the prefix without its braces, and hash on their whole name.
  const spread = `${prefix.replace(/[{}]/g, '')}:`;
  return {
    /** BullMQ `prefix` option for every queue of this deployment (a {hash tag} on Redis Cluster, as BullMQ requires:
     *  the prefix is one there). */
    bullPrefix: `${prefix}:bull`,

    // ---- registry (system of record) ----
    /** Hash id → JSON of one registry kind. */
    registry: (kind: RegistryKind) => `${p}reg:${kind}`,
    /** Counter bumped on every change of a kind (cache invalidation, spatial index rebuild). */
    registryVersion: (kind: RegistryKind) => `${p}reg:version:${kind}`,
    /** Set of VINs of one customer. */
    customerVehicles: (customerId: string) => `${p}reg:customer-vehicles:${customerId}`,
    /** Hash region → JSON Assignment (fixed point + advisor) of one customer. */
    assignments: (customerId: string) => `${p}assign:${customerId}`,
    /** List of JSON assignment changes of one customer, newest first. */
    assignmentHistory: (customerId: string) => `${p}assign-history:${customerId}`,
    /** Sets of customer ids served by a station (fixed point in some region) / looked after by an advisor
     *  (assigned in some region, or lead advisor). Maintained with the per-customer sets below. */
    stationCustomers: (stationId: string) => `${p}idx:station-customers:${stationId}`,
    advisorCustomers: (advisorId: string) => `${p}idx:advisor-customers:${advisorId}`,
    /** Sets of the stations / advisors a customer's assignments and lead advisor currently reference. */
    customerStations: (customerId: string) => `${p}idx:customer-stations:${customerId}`,
    customerAdvisors: (customerId: string) => `${p}idx:customer-advisors:${customerId}`,

    // ---- live vehicle state (ingest) ----
    /** Hash of a vehicle's latest state. Spread by VIN over a cluster's slots (no hash tag). */
    live: (vin: string) => `${spread}live:${vin}`,
    /** GEO set of the current positions of the vehicles in one index region (`geoIndexRegion` in core/regions.ts:
     *  a province code, or `none`). Each region is its own {hash tag}: the index spreads over a cluster's slots by
     *  region, and a region's GEO set and its `liveGeoTs` hash share one slot (one script updates both). */
    liveGeo: (region: string) => `${spread}live-geo:{region:${region}}`,
    /** Hash vin → newest device time (ms) seen by one region's index, for vehicles in it and vehicles that left it
     *  (the time they left): a late GEO write never overwrites a newer position nor brings back a truck that left. */
    liveGeoTs: (region: string) => `${spread}live-geo-ts:{region:${region}}`,

    // ---- ingest ----
    /** Capped list of dead-lettered device messages (JSON). */
    deadLetters: `${p}ingest:dead-letters`,
    /** Hash reason → count of dead-lettered messages. */
    deadLetterCounts: `${p}ingest:dead-letter-counts`,
    /** Hash {spoolId, segment, offset}: how far one ingester (by INGEST_CLIENT_ID) has applied its local spool. */
    ingestCheckpoint: (clientId: string) => `${p}ingest:checkpoint:${clientId}`,
    /** Stream of fault events written atomically with the live state; relayed to the fault-events queue. */
    ingestOutbox: `${p}ingest:outbox`,

    // ---- rescue cases (dispatcher) ----
    case: (caseId: string) => `${p}case:${caseId}`,
    caseIndex: `${p}cases`,
    openCaseOfVehicle: (vin: string) => `${p}case-open:${vin}`,
    /** Sorted set caseId → escalateAt (ms) of cases in an open status: the dispatcher's sweep list. */
    activeCases: `${p}cases:active`,
    /** Sorted sets caseId → reportedAt (ms) per customer / vehicle / station (offered or assigned). */
    customerCases: (customerId: string) => `${p}cases:customer:${customerId}`,
    vehicleCases: (vin: string) => `${p}cases:vehicle:${vin}`,
    stationCases: (stationId: string) => `${p}cases:station:${stationId}`,
    /** Set of caseIds holding one of a station's rescue vans (pending offer or launched rescue). */
    stationVansInUse: (stationId: string) => `${p}station-vans:${stationId}`,
    /** Sorted sets caseId → due (ms) of the cases carrying a follow-up task: all, and per advisor. */
    tasksDue: `${p}tasks:due`,
    advisorTasks: (advisorId: string) => `${p}tasks:advisor:${advisorId}`,
    /** Hash model → JSON WarrantyPolicy (the default policy applies to models not listed). */
    warrantyPolicies: `${p}warranty:policies`,
    /** Hash year → JSON WorkingCalendarYear (the seeded years apply until an admin replaces them). */
    workingCalendar: `${p}calendar:years`,
    /** Complaints: one hash each {v, json}, and sorted sets complaintId → filed (ms) overall, per customer, per
     *  station; `complaints:open` complaintId → answerDue (ms) of those still waiting for an answer. */
    complaint: (id: string) => `${p}complaint:${id}`,
    complaints: `${p}complaints`,
    customerComplaints: (customerId: string) => `${p}complaints:customer:${customerId}`,
    stationComplaints: (stationId: string) => `${p}complaints:station:${stationId}`,
    openComplaints: `${p}complaints:open`,
    /** List of JSON webhook deliveries that failed their last try, newest first (capped). */
    webhookDeadLetters: `${p}webhooks:dead-letters`,
    /** Consumer group cursor of the webhook relay on the event stream. */
    webhookGroup: 'webhooks',
    /** Hash of rescue counters and the time-to-launch histogram (Prometheus, read at scrape time). */
    rescueStats: `${p}rescue-stats`,

    // ---- parts (docs/repair.md): stock and reservations ----
    // One stock location (`station:S1`, `depot:D1`) is one {hash tag}: its on-hand and reserved counts and every
    // reservation held there live in one slot, so the reservation script (infra/parts-store.ts) touches one
    // slot on Redis Cluster. A kit spread over several locations is one script call per location.
    /** Hash partNo → units on the shelf (PUT …/stock replaces it; consumption decrements it). */
    stockOnHand: (location: string) => `${p}parts:{${location}}:onhand`,
    /** Hash partNo → units reserved for holders (never more than on hand at the time of reserving). */
    stockReserved: (location: string) => `${p}parts:{${location}}:reserved`,
    /** Hash partNo → units one holder (a rescue case id, a maintenance appointment id) holds at one location. */
    partsHold: (location: string, holder: string) => `${p}parts:{${location}}:hold:${holder}`,
    /** Marker (30 days) that one holder's consumption at one location is done: a retried consumption is a no-op. */
    partsConsumed: (location: string, holder: string) => `${p}parts:{${location}}:consumed:${holder}`,
    /** Sorted set `location|holder` → ms of every hold that may exist (written before the hold, removed after its
     *  release or consumption): the reconciler releases holds whose holder no longer wants them. */
    partsHolds: `${p}parts:holds`,
    /** Hash partNo → JSON Part: parts an admin added to (or changed in) the built-in catalog. */
    partsCatalog: `${p}parts:catalog`,

    // ---- event stream ----
    /** Redis Stream of events for SSE and webhooks. */
    events: `${p}events`,

    // ---- coverage (docs/coverage.md) ----
    /** Cached coverage / pre-positioning / suggestion answer (JSON) by hash of its request and registry versions. */
    coverageCache: (hash: string) => `${p}coverage:cache:${hash}`,
    /** Epoch ms up to which the InfluxDB position roll-up of one level is complete. */
    coverageRollupWatermark: (level: string) => `${p}coverage:rollup:${level}`,
    /** Held (SET NX PX) by the one process rolling positions up. */
    coverageRollupLock: `${p}coverage:rollup-lock`,

    // ---- maintenance (docs/maintenance.md) ----
    /** Hash model → JSON MaintenancePlan (`*` is the fallback plan). */
    maintPlans: `${p}maint:plans`,
    /** Hash serviceId → JSON ServiceRecord of one vehicle. */
    maintServices: (vin: string) => `${p}maint:services:${vin}`,
    /** Hash vin → JSON { itemId: CycleStart } (the last service of each item), kept by the service-recording script. */
    maintLastServices: `${p}maint:last-services`,
    /** Set of VINs whose service history changed since the last scan (the incremental scan's work list). */
    maintDirty: `${p}maint:dirty`,
    /** Hash vin → JSON UsageSnapshot (last readings and rates from the usage roll-up). */
    maintUsage: `${p}maint:usage`,
    /** Hash vin → due items at the last scan (positional JSON; infra/maintenance-store.ts encodes and decodes). */
    maintDue: `${p}maint:due`,
    /** Hash VIN → fingerprint of the due items the scan last wrote and claimed reminders for (infra/maintenance-store.ts). */
    maintDueFingerprints: `${p}maint:due-fingerprints`,
    /** Hash reminderId → the reminder: its live event JSON as raised, the Reminder JSON once its state changed; HSETNX on it is the exactly-once claim. */
    maintReminders: `${p}maint:reminders`,
    /** Sorted set reminderId → raisedAt of one customer. */
    maintCustomerReminders: (customerId: string) => `${p}maint:reminders:customer:${customerId}`,
    /** Epoch ms (00:00 CST) up to which the daily usage roll-up is complete. */
    maintUsageWatermark: `${p}maint:usage-rollup`,
    /** 00:00 CST of the day whose `usage_30d` summary `maintUsage` holds (snapshots of older days = idle trucks). */
    maintUsageSummaryDay: `${p}maint:usage-summary-day`,
    /** Held (SET NX PX) by the one process rolling usage up. */
    maintUsageLock: `${p}maint:usage-rollup-lock`,
    /** CST day (00:00, epoch ms) of the last full scan. */
    maintFullScanDay: `${p}maint:full-scan-day`,
    /** Consumer group on `events` that records services from repaired cases (maintenance/case-services.ts). */
    maintCaseServicesGroup: 'maintenance-services',
    /** Hash `${stationId}:${date}` → JSON ServiceDayOffer. */
    maintServiceDays: `${p}maint:service-days`,
    /** Hash appointmentId → JSON Appointment. */
    maintAppointments: `${p}maint:appointments`,
    /** Hash appointmentId → booked bay hours, of one station and CST day (capacity). */
    maintStationDay: (stationId: string, date: string) => `${p}maint:station-day:${stationId}:${date}`,
    /** Sorted sets appointmentId → start (ms) per customer / station. */
    maintCustomerAppointments: (customerId: string) => `${p}maint:appointments:customer:${customerId}`,
    maintStationAppointments: (stationId: string) => `${p}maint:appointments:station:${stationId}`,
    // ---- accounts: users, sessions, sign-in limiter, single sign-on, API keys, audit trail ----
    accounts: accountKeys(prefix),

    // ---- API ----
    /** Namespace of the API's per-caller rate-limit counters. */
    rateLimit: `${p}ratelimit:`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
