// What people do in the repair half of a case besides moving its status (rescue/commands.ts): the station's quote
// and the customer's decision on it, the warranty claim, the customer's rating, the advisor's follow-up call.
// Each is one validated transition committed by the case store (its event goes to the live stream and webhooks).
import type { Actor, QuoteLine, RescueCase } from '../core/rescue-case.ts';
import type { CaseStore } from '../infra/case-store.ts';

export function createRepairCommands(deps: { store: Pick<CaseStore, 'apply'> }) {
  const apply = async (caseId: string, action: Parameters<CaseStore['apply']>[1], actor: Actor): Promise<RescueCase> => (await deps.store.apply(caseId, action, actor)).case;

  return {
    quote: (caseId: string, q: { labourHours: number; parts: QuoteLine[]; amountCny: number }, actor: Actor) => apply(caseId, { type: 'quote', ...q }, actor),
    decideQuote: (caseId: string, approved: boolean, note: string | undefined, actor: Actor) =>
      apply(caseId, { type: 'quote_decision', approved, ...(note !== undefined ? { note } : {}) }, actor),
    submitClaim: (caseId: string, claim: { labourHours?: number; photos?: string[] }, actor: Actor) => apply(caseId, { type: 'claim_submit', ...claim }, actor),
    rate: (caseId: string, score: number, comment: string | undefined, actor: Actor) =>
      apply(caseId, { type: 'rate', score, ...(comment !== undefined ? { comment } : {}) }, actor),
    completeFollowUp: (caseId: string, outcome: 'satisfied' | 'unsatisfied' | 'unreachable', note: string | undefined, actor: Actor) =>
      apply(caseId, { type: 'follow_up_complete', outcome, ...(note !== undefined ? { note } : {}) }, actor),
  };
}

export type RepairCommands = ReturnType<typeof createRepairCommands>;
