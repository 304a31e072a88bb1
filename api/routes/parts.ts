// The parts catalog, the stock of stations and depots, and the station scorecard. Stock: admins replace any
// shelf, a station its own; admins and agents read every shelf, a station its own, and depots' shelves are
// network data every role may read.
import { Type } from '@sinclair/typebox';
import { seesEverything, stationInScope } from '../../core/auth.ts';
import { DomainError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { PartNoSchema, PartSchema } from '../../core/parts-catalog.ts';
import { stockLocation } from '../../core/parts-plan.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { PartSchemaOut, ScorecardSchema, StockPutSchema, StockSchema } from '../repair-schemas.ts';

const ERR = { $ref: 'ErrorResponse#' } as const;
const IdParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });

const partRoutes: RoutePlugin = async (app, ctx) => {
  const catalog = ctx.repair.catalog;

  app.get('/parts', {
    schema: {
      tags: ['parts'],
      summary: 'The parts catalog (part number, zh/en name, category, unit); `include=depots` adds the depots\' names (one request for a case page\'s parts lines)',
      querystring: Type.Object({ include: Type.Optional(Type.Literal('depots', { description: 'also answer `depots`: id, name and region of every depot' })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(PartSchemaOut), depots: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String(), region: Type.String() }))) }), 400: ERR },
    },
  }, async (request) => {
    const items = await catalog.list();
    if (request.query.include !== 'depots') return { items };
    // Depots are network data every role may read (GET /v1/depots).
    const depots = (await ctx.registry.list('depot')).map((d) => ({ id: d.id, name: d.name, region: d.region })).sort((a, b) => a.id.localeCompare(b.id));
    return { items, depots };
  });

  app.put('/parts/:partNo', {
    config: { roles: ['admin'] },
    schema: { tags: ['parts'], summary: 'Add or change a catalog part (admin)', params: Type.Object({ partNo: PartNoSchema }), body: PartSchema, response: { 200: PartSchemaOut, 400: ERR } },
  }, async (request) => {
    if (request.body.partNo !== request.params.partNo) throw new ValidationError('body.partNo differs from the path', [{ field: 'body.partNo', message: 'must equal the path\'s part number' }]);
    return catalog.put(request.body);
  });

  for (const kind of ['station', 'depot'] as const) {
    const plural = `${kind}s`;
    app.get(`/${plural}/:id/stock`, {
      schema: { tags: ['parts'], summary: `Parts on the ${kind}'s shelf: on hand, reserved for cases, available`, params: IdParams, response: { 200: StockSchema, 404: ERR } },
    }, async (request) => {
      const caller = callerOf(request);
      if (kind === 'station' && !seesEverything(caller) && !(caller.role === 'station' && stationInScope(caller, request.params.id))) throw new NotFoundError('station', request.params.id);
      return { location: stockLocation(kind, request.params.id), items: await catalog.stock(kind, request.params.id) };
    });

    app.put(`/${plural}/:id/stock`, {
      config: { roles: kind === 'station' ? ['admin', 'station'] : ['admin'] },
      schema: {
        tags: ['parts'], summary: `Replace the ${kind}'s shelf (units on hand; reservations are kept). Whole quantities ≥ 0, known part numbers`,
        params: IdParams, body: StockPutSchema, response: { 200: StockSchema, 400: ERR, 403: ERR, 404: ERR },
      },
    }, async (request) => {
      const caller = callerOf(request);
      if (caller.role === 'station' && caller.stationId !== request.params.id) throw new DomainError('forbidden', 'a station keeps only its own stock');
      return { location: stockLocation(kind, request.params.id), items: await catalog.replaceStock(kind, request.params.id, request.body.items) };
    });
  }

  app.get('/stations/:id/scorecard', {
    config: { roles: ['admin', 'agent', 'station'] },
    schema: {
      tags: ['parts'],
      summary: 'A station\'s scorecard over [from, to): offers, acceptance, answer time, launches in the window, repairs within 24 h, parts ready at arrival, rating, complaints',
      params: IdParams,
      querystring: Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
      response: { 200: ScorecardSchema, 400: ERR, 404: ERR },
    },
  }, async (request) => {
    const caller = callerOf(request);
    if (!stationInScope(caller, request.params.id) || !(await ctx.registry.get('station', request.params.id))) throw new NotFoundError('station', request.params.id);
    const from = new Date(request.query.from);
    const to = new Date(request.query.to);
    if (!(from < to)) throw new ValidationError('from must be before to', [{ field: 'querystring.to', message: 'must be after from' }]);
    return ctx.scorecard(request.params.id, from, to);
  });
};

export default partRoutes;
