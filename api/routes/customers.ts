// Customers (fleet operators): CRUD, and per region their fixed-point station and advisor.
import { Type } from '@sinclair/typebox';
import { customerInScope, type Caller } from '../../core/auth.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { AssignmentSchema, CustomerSchema, RegionCodeSchema, type Customer } from '../../core/registry.ts';
import { callerOf } from '../auth.ts';
import type { ApiContext, RoutePlugin } from '../context.ts';
import { objectSchema, registerRegistryCrud } from '../registry-crud.ts';

// The webhook secret is write-only: answers say whether one is set, never what it is.
const { webhookSecret: _secret, ...publicCustomerProperties } = CustomerSchema.properties;
const CustomerResponse = Type.Object(
  { ...publicCustomerProperties, hasWebhookSecret: Type.Boolean() },
  { additionalProperties: false, title: 'Customer' },
);

function toResponse(c: Customer) {
  const { webhookSecret, ...rest } = c;
  return { ...rest, hasWebhookSecret: webhookSecret !== undefined };
}

const AssignmentChangeSchema = Type.Object({
  ...AssignmentSchema.properties,
  previous: Type.Union([objectSchema(AssignmentSchema), Type.Null()]),
});

const AssignmentsView = Type.Object({
  customerId: Type.String(),
  leadAdvisorId: Type.Optional(Type.String()),
  assignments: Type.Array(objectSchema(AssignmentSchema)),
  history: Type.Array(AssignmentChangeSchema, { description: 'Changes, newest first (who, when, why, what it replaced)' }),
});

const PutAssignments = Type.Object(
  {
    assignments: Type.Array(
      Type.Object({ region: RegionCodeSchema, stationId: AssignmentSchema.properties.stationId, advisorId: AssignmentSchema.properties.advisorId }, { additionalProperties: false }),
      { minItems: 1, maxItems: 1000 },
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Why (kept in the history)' })),
  },
  { additionalProperties: false },
);

async function customerOr404(ctx: ApiContext, caller: Caller, id: string): Promise<Customer> {
  const customer = await ctx.registry.get('customer', id);
  if (!customer || !customerInScope(await ctx.scope.customers(caller), id)) throw new NotFoundError('customer', id);
  return customer;
}

const customerRoutes: RoutePlugin = async (app, ctx) => {
  registerRegistryCrud(app, ctx, {
    kind: 'customer',
    plural: 'customers',
    idParam: 'id',
    idSchema: CustomerSchema.properties.id,
    entity: CustomerSchema,
    response: CustomerResponse,
    toResponse,
    filters: {
      active: Type.Optional(Type.Boolean()),
      q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Part of the name (case-insensitive)' })),
    },
    where: (q) => {
      const needle = typeof q.q === 'string' ? q.q.toLowerCase() : undefined;
      return (c: Customer) => (q.active === undefined || c.active === q.active) && (!needle || c.name.toLowerCase().includes(needle));
    },
    visibility: async (caller) => {
      const scope = await ctx.scope.customers(caller);
      return {
        visible: (c: Customer) => customerInScope(scope, c.id),
        all: scope.all,
        ...(scope.all ? {} : { ids: async () => [...scope.customerIds] }),
      };
    },
    tag: 'customers',
  });

  const WebhookBody = Type.Object(
    { webhookUrl: CustomerSchema.properties.webhookUrl, webhookSecret: CustomerSchema.properties.webhookSecret },
    { additionalProperties: false, required: ['webhookUrl', 'webhookSecret'] },
  );

  app.put('/customers/:id/webhook', {
    config: { roles: ['admin', 'customer'] },
    schema: {
      tags: ['customers'],
      summary: 'Set the webhook that receives this customer\'s rescue events (admin, or the customer itself)',
      description: 'Deliveries are signed with HMAC-SHA256 using `webhookSecret` (write-only: never returned).',
      params: Type.Object({ id: CustomerSchema.properties.id }),
      body: WebhookBody,
      response: { 200: CustomerResponse },
    },
  }, async (request) => {
    const customer = await customerOr404(ctx, callerOf(request), request.params.id);
    const report = await ctx.importer.importRows('customer', [{ ...customer, ...request.body }]);
    if (report.problems.length) {
      throw new ValidationError(`body.${report.problems[0]!.field} ${report.problems[0]!.message}`, report.problems.map((p) => ({ field: `body.${p.field}`, message: p.message })));
    }
    return toResponse((await ctx.registry.get('customer', customer.id))!);
  });

  app.delete('/customers/:id/webhook', {
    config: { roles: ['admin', 'customer'] },
    schema: {
      tags: ['customers'],
      summary: 'Stop webhook deliveries for this customer (admin, or the customer itself)',
      params: Type.Object({ id: CustomerSchema.properties.id }),
      response: { 200: CustomerResponse },
    },
  }, async (request) => {
    const { webhookUrl: _url, webhookSecret: _secret, ...rest } = await customerOr404(ctx, callerOf(request), request.params.id);
    await ctx.registry.put('customer', rest);
    return toResponse(rest);
  });

  app.get('/customers/:id/assignments', {
    schema: {
      tags: ['assignments'],
      summary: 'Fixed-point station and advisor per region, lead advisor, and the change history',
      params: Type.Object({ id: CustomerSchema.properties.id }),
      querystring: Type.Object({ historyLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 50 })) }, { additionalProperties: false }),
      response: { 200: AssignmentsView },
    },
  }, async (request) => {
    const customer = await customerOr404(ctx, callerOf(request), request.params.id);
    const [assignments, history] = await Promise.all([
      ctx.registry.assignments(customer.id),
      ctx.registry.assignmentHistory(customer.id, request.query.historyLimit ?? 50),
    ]);
    return { customerId: customer.id, ...(customer.leadAdvisorId ? { leadAdvisorId: customer.leadAdvisorId } : {}), assignments, history };
  });

  app.put('/customers/:id/assignments', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['assignments'],
      summary: 'Set the fixed point + advisor of one or more regions (admin). All or nothing: any refused row refuses the request.',
      description:
        'Rules: the station is active, has the heavy-duty capability and lies in or next to the region; the advisor is active. ' +
        'Regions not listed keep their assignment. Each change is kept in the history with who (token subject), when and why.',
      params: Type.Object({ id: CustomerSchema.properties.id }),
      body: PutAssignments,
      response: { 200: AssignmentsView },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const customer = await customerOr404(ctx, caller, request.params.id);
    await ctx.assignments.set(customer.id, request.body.assignments, {
      assignedBy: `${caller.role}:${caller.sub}`,
      ...(request.body.reason ? { reason: request.body.reason } : {}),
    });
    const [assignments, history] = await Promise.all([ctx.registry.assignments(customer.id), ctx.registry.assignmentHistory(customer.id, 50)]);
    return { customerId: customer.id, ...(customer.leadAdvisorId ? { leadAdvisorId: customer.leadAdvisorId } : {}), assignments, history };
  });
};

export default customerRoutes;
