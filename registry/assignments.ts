// Setting customers' fixed points: the station and advisor of one or more regions, all or nothing. The rules are
// core/assignment-rules.ts; each change enters the assignment history with who, when and why.
import { assignmentProblems } from '../core/assignment-rules.ts';
import { ValidationError, type FieldProblem } from '../core/errors.ts';
import type { Assignment } from '../core/registry.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

export interface AssignmentRow {
  readonly region: string;
  readonly stationId: string;
  readonly advisorId: string;
}

export function createAssignmentCommands(deps: {
  registry: Pick<RegistryStore, 'getMany' | 'assign'>;
  regions: Parameters<typeof assignmentProblems>[0]['regions'];
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return {
    /**
     * Assigns every row to the customer, or none: any refused row (a region listed twice, a station or advisor that
     * breaks the rules) refuses the whole request, with one problem per field at `body.assignments.<i>.<field>`.
     */
    async set(customerId: string, rows: readonly AssignmentRow[], by: { assignedBy: string; reason?: string }): Promise<void> {
      const [stations, advisors] = await Promise.all([
        deps.registry.getMany('station', rows.map((r) => r.stationId)),
        deps.registry.getMany('advisor', rows.map((r) => r.advisorId)),
      ]);
      const problems: FieldProblem[] = [];
      const regionsSeen = new Set<string>();
      rows.forEach((row, i) => {
        if (regionsSeen.has(row.region)) problems.push({ field: `body.assignments.${i}.region`, message: `region ${row.region} is listed twice` });
        regionsSeen.add(row.region);
        for (const p of assignmentProblems({ region: row.region, station: stations[i], advisor: advisors[i], regions: deps.regions })) {
          problems.push({ field: `body.assignments.${i}.${p.field}`, message: p.message });
        }
      });
      if (problems.length) throw new ValidationError(`${problems[0]!.field} ${problems[0]!.message}`, problems);
      const assignedAt = now().toISOString();
      for (const row of rows) {
        const next: Assignment = {
          region: row.region,
          stationId: row.stationId,
          advisorId: row.advisorId,
          assignedAt,
          assignedBy: by.assignedBy.slice(0, 200),
          ...(by.reason ? { reason: by.reason } : {}),
        };
        await deps.registry.assign(customerId, next);
      }
    },
  };
}

export type AssignmentCommands = ReturnType<typeof createAssignmentCommands>;
