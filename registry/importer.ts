// Imports a batch of registry rows: validates every row (schema, VIN check digit, known regions,
// references to other registry objects, duplicates within the batch) and stores all of them in one
// transaction — or, when any row has a problem, stores nothing and reports every row's problems.
// Re-importing the same rows is a no-op (`unchanged`). A dry run validates the same way and counts what
// would be created, updated or left unchanged, reading the registry only.
import type { RegionMap } from '../core/regions.ts';
import { registryId, type Customer, type RegistryKind, type RegistryKinds, type Vehicle } from '../core/registry.ts';
import type { RowProblem } from '../core/registry-import.ts';
import { assignmentProblems } from '../core/assignment-rules.ts';
import { validateAssignmentRow, validateEntity, type AssignmentRow } from '../core/registry-validate.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

export interface ImportReport {
  kind: RegistryKind;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Non-empty means nothing was stored. */
  problems: RowProblem[];
}

/** At most this many problems are reported; the count of rows with problems is always exact. */
const MAX_PROBLEMS = 1000;

export function createRegistryImporter(deps: {
  registry: Pick<RegistryStore, 'getMany' | 'putMany' | 'assign' | 'assignment'>;
  regions: Pick<RegionMap, 'get' | 'inOrAdjacent' | 'locate'>;
}) {
  async function referencesExist(kind: RegistryKind, ids: string[]): Promise<Set<string>> {
    const unique = [...new Set(ids)];
    const found = await deps.registry.getMany(kind, unique);
    return new Set(unique.filter((_, i) => found[i] !== undefined));
  }

  async function importRows<K extends RegistryKind>(kind: K, rows: readonly unknown[], opts: { dryRun?: boolean } = {}): Promise<ImportReport> {
    const problems: RowProblem[] = [];
    const valid: Array<{ row: number; entity: RegistryKinds[K] }> = [];
    const seen = new Map<string, number>();
    rows.forEach((raw, index) => {
      const row = index + 1;
      const result = validateEntity(kind, raw);
      if (!result.ok) {
        const id = typeof raw === 'object' && raw !== null ? ((raw as Record<string, unknown>).id ?? (raw as Record<string, unknown>).vin) : undefined;
        for (const p of result.problems) problems.push({ row, ...(typeof id === 'string' ? { id } : {}), ...p });
        return;
      }
      const id = registryId(kind, result.value);
      const first = seen.get(id);
      if (first !== undefined) {
        problems.push({ row, id, field: kind === 'vehicle' ? 'vin' : 'id', message: `duplicate of row ${first}` });
        return;
      }
      seen.set(id, row);
      valid.push({ row, entity: result.value });
    });

    // Regions must be known GB/T 2260 codes of the region map.
    for (const { row, entity } of valid) {
      const e = entity as Record<string, unknown>;
      const field = kind === 'vehicle' ? 'homeRegion' : 'region';
      const region = e[field];
      if (typeof region === 'string' && !deps.regions.get(region)) {
        problems.push({ row, id: registryId(kind, entity), field, message: `unknown region code ${region}` });
      }
    }
    // A station or depot must lie in its region or a neighbouring one (boundaries are simplified, and a
    // site right at a border may be registered with the region next door).
    if (kind === 'station' || kind === 'depot') {
      for (const { row, entity } of valid) {
        const site = entity as unknown as { id: string; lat: number; lon: number; region: string };
        if (!deps.regions.get(site.region)) continue; // reported above
        const located = deps.regions.locate(site.lat, site.lon);
        if (!located) {
          problems.push({ row, id: site.id, field: 'lat', message: `position ${site.lat},${site.lon} is outside every region` });
        } else if (!deps.regions.inOrAdjacent(located.code, site.region)) {
          problems.push({ row, id: site.id, field: 'region', message: `position ${site.lat},${site.lon} lies in ${located.code} (${located.name}), neither in nor next to ${site.region}` });
        }
      }
    }
    // References to other registry objects must exist.
    if (kind === 'vehicle') {
      const customers = await referencesExist('customer', valid.map((v) => (v.entity as Vehicle).customerId));
      for (const { row, entity } of valid) {
        const v = entity as Vehicle;
        if (!customers.has(v.customerId)) problems.push({ row, id: v.vin, field: 'customerId', message: `unknown customer ${v.customerId}` });
      }
    }
    if (kind === 'customer') {
      const leads = valid.map((v) => (v.entity as Customer).leadAdvisorId).filter((id): id is string => id !== undefined);
      const advisors = await referencesExist('advisor', leads);
      for (const { row, entity } of valid) {
        const c = entity as Customer;
        if (c.leadAdvisorId && !advisors.has(c.leadAdvisorId)) {
          problems.push({ row, id: c.id, field: 'leadAdvisorId', message: `unknown advisor ${c.leadAdvisorId}` });
        }
      }
    }

    const report: ImportReport = { kind, rows: rows.length, created: 0, updated: 0, unchanged: 0, problems: [] };
    if (problems.length) {
      problems.sort((a, b) => a.row - b.row);
      report.problems = problems.slice(0, MAX_PROBLEMS);
      return report;
    }
    if (opts.dryRun) {
      // What putMany would answer: the stored JSON compared with the row's (both written by JSON.stringify).
      const stored = await deps.registry.getMany(kind, valid.map((v) => registryId(kind, v.entity)));
      valid.forEach((v, i) => {
        const before = stored[i];
        report[before === undefined ? 'created' : JSON.stringify(before) === JSON.stringify(v.entity) ? 'unchanged' : 'updated']++;
      });
      return report;
    }
    const outcomes = await deps.registry.putMany(kind, valid.map((v) => v.entity));
    for (const outcome of outcomes) report[outcome]++;
    return report;
  }

  /**
   * Imports fixed-point assignments: rows `{customerId, region, stationId, advisorId, assignedAt?, assignedBy?, reason?}`
   * or the network generator's grouped form `{customerId, assignments: [...]}`. The assignment rules apply
   * (station active, heavy-duty, in or next to the region; advisor active); all or nothing.
   */
  async function importAssignments(rows: readonly unknown[], importedBy: string, opts: { dryRun?: boolean } = {}): Promise<Omit<ImportReport, 'kind'> & { kind: 'assignment' }> {
    const flat: Array<{ row: number; value: unknown; prefix: string }> = [];
    rows.forEach((raw, index) => {
      const grouped = raw as { customerId?: unknown; assignments?: unknown };
      if (typeof raw === 'object' && raw !== null && Array.isArray(grouped.assignments)) {
        grouped.assignments.forEach((a, i) => flat.push({ row: index + 1, value: { customerId: grouped.customerId, ...(a as object) }, prefix: `assignments.${i}.` }));
      } else {
        flat.push({ row: index + 1, value: raw, prefix: '' });
      }
    });
    const problems: RowProblem[] = [];
    const valid: Array<{ row: number; prefix: string; a: AssignmentRow }> = [];
    const seen = new Set<string>();
    for (const { row, value, prefix } of flat) {
      const result = validateAssignmentRow(value);
      if (!result.ok) {
        for (const p of result.problems) problems.push({ row, field: prefix + p.field, message: p.message });
        continue;
      }
      const key = `${result.value.customerId}/${result.value.region}`;
      if (seen.has(key)) {
        problems.push({ row, id: result.value.customerId, field: `${prefix}region`, message: `region ${result.value.region} is assigned twice` });
        continue;
      }
      seen.add(key);
      valid.push({ row, prefix, a: result.value });
    }
    const [customers, stations, advisors] = await Promise.all([
      deps.registry.getMany('customer', valid.map((v) => v.a.customerId)),
      deps.registry.getMany('station', valid.map((v) => v.a.stationId)),
      deps.registry.getMany('advisor', valid.map((v) => v.a.advisorId)),
    ]);
    valid.forEach(({ row, prefix, a }, i) => {
      if (!customers[i]) problems.push({ row, id: a.customerId, field: `${prefix}customerId`, message: `unknown customer ${a.customerId}` });
      for (const p of assignmentProblems({ region: a.region, station: stations[i], advisor: advisors[i], regions: deps.regions })) {
        problems.push({ row, id: a.customerId, field: prefix + p.field, message: p.message });
      }
    });
    const report = { kind: 'assignment' as const, rows: flat.length, created: 0, updated: 0, unchanged: 0, problems: [] as RowProblem[] };
    if (problems.length) {
      report.problems = problems.sort((x, y) => x.row - y.row).slice(0, MAX_PROBLEMS);
      return report;
    }
    if (opts.dryRun) {
      // What assign would answer: unchanged when the same station and advisor are already assigned.
      const current = await Promise.all(valid.map(({ a }) => deps.registry.assignment(a.customerId, a.region)));
      valid.forEach(({ a }, i) => {
        const c = current[i];
        report[!c ? 'created' : c.stationId === a.stationId && c.advisorId === a.advisorId ? 'unchanged' : 'updated']++;
      });
      return report;
    }
    const now = new Date().toISOString();
    for (const { a } of valid) {
      const outcome = await deps.registry.assign(a.customerId, {
        region: a.region,
        stationId: a.stationId,
        advisorId: a.advisorId,
        assignedAt: a.assignedAt ?? now,
        assignedBy: a.assignedBy ?? importedBy,
        ...(a.reason ? { reason: a.reason } : {}),
      });
      report[outcome]++;
    }
    return report;
  }

  return { importRows, importAssignments };
}

export type RegistryImporter = ReturnType<typeof createRegistryImporter>;
