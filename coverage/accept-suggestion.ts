// Accepting a fixed-point suggestion: the station must still be among the current suggestions for the region,
// the assignment rules apply (core/assignment-rules.ts), and the change enters the assignment history.
import { assignmentProblems } from '../core/assignment-rules.ts';
import { ConflictError, ValidationError } from '../core/errors.ts';
import type { Assignment, Customer } from '../core/registry.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { CoverageService } from './coverage-service.ts';

export interface AcceptSuggestionInput {
  readonly customer: Customer;
  readonly region: string;
  readonly stationId: string;
  readonly advisorId?: string;
  readonly reason?: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Who accepts (recorded on the assignment). */
  readonly assignedBy: string;
}

export function createSuggestionAcceptance(deps: {
  coverage: Pick<CoverageService, 'suggestions'>;
  registry: Pick<RegistryStore, 'assignment' | 'get' | 'assign'>;
  regions: Parameters<typeof assignmentProblems>[0]['regions'];
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return async function acceptSuggestion(input: AcceptSuggestionInput) {
    const { customer } = input;
    const report = await deps.coverage.suggestions({ customerId: customer.id, fromMs: input.fromMs, toMs: input.toMs });
    const region = report.regions.find((r) => r.region === input.region);
    const pick = region?.suggestions.find((s) => s.stationId === input.stationId);
    if (!pick) {
      const suggested = region?.suggestions.map((s) => s.stationId) ?? [];
      throw new ConflictError(`station ${input.stationId} is not among the current suggestions for region ${input.region}`, [
        { field: 'body.stationId', message: suggested.length ? `not suggested; current suggestions: ${suggested.join(', ')}` : 'the region has no suggestions' },
      ]);
    }
    const current = await deps.registry.assignment(customer.id, input.region);
    const advisorId = input.advisorId ?? current?.advisorId ?? customer.leadAdvisorId;
    if (!advisorId) {
      throw new ValidationError('body.advisorId is required: the region has no advisor and the customer no lead advisor', [{ field: 'body.advisorId', message: 'is required here' }]);
    }
    const [station, advisor] = await Promise.all([deps.registry.get('station', input.stationId), deps.registry.get('advisor', advisorId)]);
    const problems = assignmentProblems({ region: input.region, station, advisor, regions: deps.regions });
    if (problems.length) {
      const details = problems.map((p) => ({ field: `body.${p.field}`, message: p.message }));
      throw new ValidationError(`${details[0]!.field} ${details[0]!.message}`, details);
    }
    const next: Assignment = {
      region: input.region,
      stationId: input.stationId,
      advisorId,
      assignedAt: now().toISOString(),
      assignedBy: input.assignedBy.slice(0, 200),
      reason: input.reason ?? `accepted coverage suggestion (rank ${pick.rank})`,
    };
    const outcome = await deps.registry.assign(customer.id, next);
    return { customerId: customer.id, outcome, assignment: next };
  };
}

export type AcceptSuggestion = ReturnType<typeof createSuggestionAcceptance>;
