// The repair half of a rescue case over HTTP: the station's quote and the customer's decision, the warranty
// claim, the customer's rating, reserving parts still missing. Routes translate HTTP to repair/ and rescue/ use
// cases; scoping is the rescue routes' (a case the caller may not see is 404).
import { caseAsSeenBy, seesEverything, type Caller } from '../../core/auth.ts';
import { DomainError } from '../../core/errors.ts';
import type { RescueCase } from '../../core/rescue-case.ts';
import { actorOfCaller } from '../../complaints/complaints.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { CaseParamsSchema, RescueCaseSchema } from '../rescue-schemas.ts';
import { ClaimSubmitSchema, QuoteDecisionSchema, QuoteSchema, RatingSchema } from '../repair-schemas.ts';

const ERR = { $ref: 'ErrorResponse#' } as const;
const tags = ['repairs'];
const responses = { 200: RescueCaseSchema, 400: ERR, 403: ERR, 404: ERR, 409: ERR };

/** The station running the repair (or an agent/admin for it) acts on the repair. */
function requireRunningStation(caller: Caller, c: RescueCase): void {
  if (caller.role === 'station' && c.launch?.stationId !== caller.stationId) throw new DomainError('forbidden', 'only the station running the rescue acts on its repair');
}

const repairRoutes: RoutePlugin = async (app, ctx) => {
  const queries = ctx.rescueQueries;
  const repair = ctx.repairCommands;

  app.post('/rescues/:id/quote', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: { tags, summary: 'The station quotes an out-of-warranty repair (labour hours, parts, amount in CNY) for the customer to approve', params: CaseParamsSchema, body: QuoteSchema, response: responses },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    requireRunningStation(caller, c);
    return caseAsSeenBy(caller, await repair.quote(c.id, request.body, actorOfCaller(caller)));
  });

  app.post('/rescues/:id/quote/decision', {
    config: { roles: ['customer', 'advisor'] },
    schema: { tags, summary: 'The customer (or its advisor) approves or rejects the quote; an out-of-warranty repair starts only after approval', params: CaseParamsSchema, body: QuoteDecisionSchema, response: responses },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    return caseAsSeenBy(caller, await repair.decideQuote(c.id, request.body.approved, request.body.note, actorOfCaller(caller)));
  });

  app.post('/rescues/:id/claim/submit', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: { tags, summary: 'The station submits the warranty claim the repair produced (labour hours, photos\' references)', params: CaseParamsSchema, body: ClaimSubmitSchema, response: responses },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    requireRunningStation(caller, c);
    return caseAsSeenBy(caller, await repair.submitClaim(c.id, request.body, actorOfCaller(caller)));
  });

  app.post('/rescues/:id/rating', {
    config: { roles: ['customer', 'advisor'] },
    schema: { tags, summary: 'The customer rates the repair 1–5, once (an advisor may record it on the customer\'s behalf)', params: CaseParamsSchema, body: RatingSchema, response: responses },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    return caseAsSeenBy(caller, await repair.rate(c.id, request.body.score, request.body.comment, actorOfCaller(caller)));
  });

  app.post('/rescues/:id/parts/reserve', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: { tags, summary: 'Try again to reserve the parts a launched case still misses (409 when the case is no longer being repaired)', params: CaseParamsSchema, response: responses },
  }, async (request) => {
    const caller = callerOf(request);
    const c = await queries.visibleCase(caller, request.params.id);
    if (!seesEverything(caller)) requireRunningStation(caller, c);
    return caseAsSeenBy(caller, await ctx.rescueCommands.reserveMissing(c.id, actorOfCaller(caller)));
  });
};

export default repairRoutes;
