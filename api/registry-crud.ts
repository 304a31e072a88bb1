// The five standard routes of one registry kind: list (paginated, filterable), get, create, update
// (partial), deactivate. Each area file (api/routes/stations.ts, ...) declares its kind's schemas,
// filters and visibility and calls `registerRegistryCrud`. Writes are admin-only and go through the
// importer, so the API and `npm run import` apply exactly the same checks.
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Caller } from '../core/auth.ts';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { registryId, type RegistryKind, type RegistryKinds } from '../core/registry.ts';
import { callerOf } from './auth.ts';
import type { ApiContext } from './context.ts';

/** Any Fastify instance, whatever its type provider (the helper declares its own schemas). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyApp = FastifyInstance<any, any, any, any, any>;

/** A copy of an object schema without `$id` (shared TypeBox schemas are embedded in many routes). */
export function objectSchema<T extends TProperties>(schema: TObject<T>, opts: { title?: string } = {}): TObject<T> {
  return Type.Object(schema.properties, { additionalProperties: false, ...(opts.title ? { title: opts.title } : {}) });
}

export const PageQuery = {
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
};

export function pageOf<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ description: 'Matching objects visible to the caller' }),
    offset: Type.Integer(),
    limit: Type.Integer(),
  });
}

export interface CrudSpec<K extends RegistryKind> {
  kind: K;
  /** URL segment, e.g. `stations`. */
  plural: string;
  /** Path parameter name of the id (`vin` for vehicles). */
  idParam: 'id' | 'vin';
  idSchema: TSchema;
  /** Full entity schema (core/registry.ts). */
  entity: TObject;
  /** Response schema (may hide secrets). */
  response: TObject;
  toResponse?: (entity: RegistryKinds[K]) => Record<string, unknown>;
  /** Query filters (besides offset/limit) and how they apply. */
  filters: TProperties;
  where: (query: Record<string, unknown>) => (entity: RegistryKinds[K]) => boolean;
  /**
   * What the caller may see: a predicate, plus optionally the ids to restrict the list scan to.
   * Objects failing the predicate answer 404, as if they did not exist.
   */
  visibility: (caller: Caller, ctx: ApiContext) => Promise<{
    visible: (entity: RegistryKinds[K]) => boolean;
    /** The caller sees every object of the kind (lets an unfiltered list read only its page). */
    all?: boolean;
    /** Exactly the ids the caller may see (same effect). */
    ids?: () => Promise<string[]>;
  }>;
  tag: string;
  /** False when the area defines its own `GET /<plural>/:id` (e.g. vehicles add live state). */
  getRoute?: boolean;
  /** A rule across objects, checked before a create or update is stored (e.g. a plate used once). */
  check?: (entity: RegistryKinds[K]) => Promise<void>;
}

export function registerRegistryCrud<K extends RegistryKind>(app: AnyApp, ctx: ApiContext, spec: CrudSpec<K>): void {
  const { kind, plural, idParam } = spec;
  const Params = Type.Object({ [idParam]: spec.idSchema });
  const item = spec.response;
  const show = (e: RegistryKinds[K]) => (spec.toResponse ? spec.toResponse(e) : e);
  const idField = kind === 'vehicle' ? 'vin' : 'id';
  const writable = Type.Omit(spec.entity, [idField]);
  const CreateBody = objectSchema(spec.entity);
  const PatchBody = Type.Partial(Type.Object(writable.properties, { additionalProperties: false }), { additionalProperties: false, minProperties: 1 });

  async function visibleOr404(caller: Caller, id: string): Promise<RegistryKinds[K]> {
    const entity = await ctx.registry.get(kind, id);
    if (!entity) throw new NotFoundError(kind, id);
    const { visible } = await spec.visibility(caller, ctx);
    if (!visible(entity)) throw new NotFoundError(kind, id);
    return entity;
  }

  async function store(entity: unknown): Promise<RegistryKinds[K]> {
    await spec.check?.(entity as RegistryKinds[K]);
    const report = await ctx.importer.importRows(kind, [entity]);
    if (report.problems.length) {
      const first = report.problems[0]!;
      throw new ValidationError(`body.${first.field} ${first.message}`, report.problems.map((p) => ({ field: `body.${p.field}`, message: p.message })));
    }
    return (await ctx.registry.get(kind, registryId(kind, entity as RegistryKinds[K])))!;
  }

  app.get(`/${plural}`, {
    schema: {
      tags: [spec.tag],
      summary: `List ${plural} visible to the caller (sorted by id)`,
      querystring: Type.Object({ ...PageQuery, ...spec.filters }, { additionalProperties: false }),
      response: { 200: pageOf(item) },
    },
  }, async (request) => {
    const query = request.query as Record<string, unknown> & { offset?: number; limit?: number };
    const { visible, ids, all } = await spec.visibility(callerOf(request), ctx);
    const filtered = Object.keys(spec.filters).some((name) => query[name] !== undefined);
    const filter = spec.where(query);
    const page = await ctx.registry.page(kind, {
      offset: query.offset ?? 0,
      limit: query.limit ?? 100,
      // Without filters and with the visible set known, only the page itself is read and parsed.
      ...(filtered || !(all || ids) ? { where: (e: RegistryKinds[K]) => visible(e) && filter(e) } : {}),
      ...(ids ? { ids: await ids() } : {}),
    });
    return { ...page, items: page.items.map(show) };
  });

  if (spec.getRoute !== false) {
    app.get(`/${plural}/:${idParam}`, {
      schema: { tags: [spec.tag], summary: `One ${kind}`, params: Params, response: { 200: item } },
    }, async (request) => {
      const id = (request.params as Record<string, string>)[idParam]!;
      return show(await visibleOr404(callerOf(request), id));
    });
  }

  app.post(`/${plural}`, {
    config: { roles: ['admin'] },
    schema: { tags: [spec.tag], summary: `Create a ${kind} (admin)`, body: CreateBody, response: { 201: item } },
  }, async (request, reply) => {
    const body = request.body as RegistryKinds[K];
    const id = registryId(kind, body);
    if (await ctx.registry.get(kind, id)) throw new ConflictError(`${kind} ${id} already exists`, [{ field: 'body.id', message: 'already exists' }]);
    return reply.status(201).send(show(await store(body)));
  });

  app.patch(`/${plural}/:${idParam}`, {
    config: { roles: ['admin'] },
    schema: { tags: [spec.tag], summary: `Change fields of a ${kind} (admin)`, params: Params, body: PatchBody, response: { 200: item } },
  }, async (request) => {
    const id = (request.params as Record<string, string>)[idParam]!;
    const current = await visibleOr404(callerOf(request), id);
    return show(await store({ ...current, ...(request.body as object), [idField]: id }));
  });

  app.post(`/${plural}/:${idParam}/deactivate`, {
    config: { roles: ['admin'] },
    schema: {
      tags: [spec.tag],
      summary: `Deactivate a ${kind} (admin; kept for history, excluded from matching)`,
      params: Params,
      response: { 200: item },
    },
  }, async (request) => {
    const id = (request.params as Record<string, string>)[idParam]!;
    const current = await visibleOr404(callerOf(request), id);
    return show(await store({ ...current, active: false }));
  });
}
