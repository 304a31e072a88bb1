// Service advisors over HTTP: CRUD, and the trucks each advisor looks after (their workload: registry/network.ts).
import { Type } from '@sinclair/typebox';
import { advisorInScope, seesEverything } from '../../core/auth.ts';
import { AdvisorSchema, type Advisor } from '../../core/registry.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { objectSchema, PageQuery, registerRegistryCrud } from '../registry-crud.ts';

const AdvisedVehicle = Type.Object({
  vin: Type.String(),
  customerId: Type.String(),
  plate: Type.Optional(Type.String()),
  homeRegion: Type.Optional(Type.String()),
  basis: Type.Union([Type.Literal('prefecture'), Type.Literal('province'), Type.Literal('lead-advisor')], {
    description: 'Why this advisor: assigned for the home prefecture, for its province, or lead advisor of the customer (fallback)',
  }),
});

const AdvisorVehicles = Type.Object({
  advisorId: Type.String(),
  customers: Type.Integer({ description: 'Customers this advisor looks after' }),
  total: Type.Integer({ description: 'Workload: number of vehicles' }),
  offset: Type.Integer(),
  limit: Type.Integer(),
  items: Type.Array(AdvisedVehicle),
});

const advisorRoutes: RoutePlugin = async (app, ctx) => {
  registerRegistryCrud(app, ctx, {
    kind: 'advisor',
    plural: 'advisors',
    idParam: 'id',
    idSchema: AdvisorSchema.properties.id,
    entity: AdvisorSchema,
    response: objectSchema(AdvisorSchema, { title: 'Advisor' }),
    filters: {
      region: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
      active: Type.Optional(Type.Boolean()),
    },
    where: (q) => (a: Advisor) => (q.region === undefined || a.region === q.region) && (q.active === undefined || a.active === q.active),
    visibility: async (caller) => {
      const own = await ctx.scope.advisorsOfCaller(caller);
      return { visible: (a: Advisor) => advisorInScope(caller, a.id, own), all: seesEverything(caller) };
    },
    tag: 'network',
  });

  app.get('/advisors/:id/vehicles', {
    config: { roles: ['admin', 'agent', 'advisor'] },
    schema: {
      tags: ['assignments'],
      summary: 'The trucks this advisor looks after, and the workload (admin, agent, the advisor)',
      params: Type.Object({ id: AdvisorSchema.properties.id }),
      querystring: Type.Object(PageQuery, { additionalProperties: false }),
      response: { 200: AdvisorVehicles },
    },
  }, async (request) => {
    const { id } = request.params;
    const { customers, vehicles } = await ctx.network.vehiclesOfAdvisor(callerOf(request), id);
    const offset = request.query.offset ?? 0;
    const limit = request.query.limit ?? 100;
    return { advisorId: id, customers, total: vehicles.length, offset, limit, items: vehicles.slice(offset, offset + limit) };
  });
};

export default advisorRoutes;
