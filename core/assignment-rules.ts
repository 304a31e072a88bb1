// Fixed-point + advisor assignment rules (pure). A customer has, per region, one fixed-point station and
// one advisor, and may have a lead advisor as fallback. Who serves a truck at a position: the assignment
// of the position's prefecture, else of its province, else only the lead advisor (no fixed point).
import type { RegionMap } from './regions.ts';
import { provinceOf } from './regions.ts';
import type { Advisor, Assignment, Station } from './registry.ts';

export interface AssignmentProblem {
  field: 'region' | 'stationId' | 'advisorId';
  message: string;
}

/** Every reason the assignment of `station` + `advisor` to `region` is refused (empty = allowed). */
export function assignmentProblems(input: {
  region: string;
  station: Station | undefined;
  advisor: Advisor | undefined;
  regions: Pick<RegionMap, 'get' | 'inOrAdjacent'>;
}): AssignmentProblem[] {
  const { region, station, advisor, regions } = input;
  const problems: AssignmentProblem[] = [];
  if (!regions.get(region)) problems.push({ field: 'region', message: `unknown region code ${region}` });
  if (!station) {
    problems.push({ field: 'stationId', message: 'no such station' });
  } else {
    if (!station.active) problems.push({ field: 'stationId', message: `station ${station.id} is not active` });
    if (!station.capabilities.includes('heavy-duty')) {
      problems.push({ field: 'stationId', message: `station ${station.id} lacks the heavy-duty capability` });
    }
    if (regions.get(region) && !regions.inOrAdjacent(station.region, region)) {
      problems.push({ field: 'stationId', message: `station ${station.id} (region ${station.region}) is neither in nor adjacent to region ${region}` });
    }
  }
  if (!advisor) problems.push({ field: 'advisorId', message: 'no such advisor' });
  else if (!advisor.active) problems.push({ field: 'advisorId', message: `advisor ${advisor.id} is not active` });
  return problems;
}

export interface Serving {
  /** The assignment that applies (prefecture first, then province), if any. */
  assignment?: Assignment;
  /** Advisor in charge: the assignment's, else the customer's lead advisor. */
  advisorId?: string;
  /** How the answer was found. */
  basis: 'prefecture' | 'province' | 'lead-advisor' | 'none';
}

export function servingFor(assignments: readonly Assignment[], region: string | undefined, leadAdvisorId: string | undefined): Serving {
  if (region) {
    const exact = assignments.find((a) => a.region === region);
    if (exact) return { assignment: exact, advisorId: exact.advisorId, basis: 'prefecture' };
    const province = provinceOf(region);
    const wide = assignments.find((a) => a.region === province);
    if (wide) return { assignment: wide, advisorId: wide.advisorId, basis: 'province' };
  }
  if (leadAdvisorId) return { advisorId: leadAdvisorId, basis: 'lead-advisor' };
  return { basis: 'none' };
}
