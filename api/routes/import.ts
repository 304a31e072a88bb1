// Bulk import of the registry through the API (admin): the same importer as `npm run import` (registry/file-import.ts).
// JSON array (application/json) or CSV with a header row (text/csv). All or nothing: when any row has a
// problem nothing is stored and every problem is reported with its row number. `?dryRun=true` validates the
// same way and answers (200) the counts that would be created / updated / unchanged and every row's problems,
// storing nothing: the console's import preview.
import { Type } from '@sinclair/typebox';
import { IMPORT_KINDS } from '../../core/registry-import.ts';
import type { FileKind } from '../../registry/file-import.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';

const ImportReportSchema = Type.Object({
  kind: Type.String(),
  rows: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer({ description: 'Rows identical to what is stored: re-importing a file is a no-op' }),
  dryRun: Type.Optional(Type.Boolean({ description: 'Present (true) on a dry run: nothing was stored' })),
  rowsWithProblems: Type.Optional(Type.Integer({ description: 'Dry run: rows with at least one problem (the import would be refused when > 0)' })),
  problems: Type.Optional(Type.Array(Type.Object({
    row: Type.Integer({ description: '1-based (CSV: data rows, header excluded)' }),
    id: Type.Optional(Type.String()),
    field: Type.String(),
    message: Type.String({ description: 'English; a client shows its own text per field' }),
  }), { description: 'Dry run: every problem (at most 1000), by row' })),
});

const importRoutes: RoutePlugin = async (app, ctx) => {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 50 * 1024 * 1024 }, (_request, body, done) => done(null, body));

  app.post('/import/:kind', {
    config: { roles: ['admin'] },
    bodyLimit: 50 * 1024 * 1024,
    schema: {
      tags: ['import'],
      summary: 'Import stations, depots, vehicles, advisors, customers, fixed-point assignments or parts stock (`stock`: rows kind,id,partNo,qty; each named shelf is replaced) (admin); idempotent, all or nothing',
      params: Type.Object({ kind: Type.Union([...Object.keys(IMPORT_KINDS), 'assignments', 'stock'].map((k) => Type.Literal(k))) }),
      querystring: Type.Object({
        dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Validate and count only: answers 200 with the problems per row, stores nothing' })),
      }, { additionalProperties: false }),
      body: {
        content: {
          'application/json': { schema: Type.Array(Type.Any(), { maxItems: 200_000, description: 'Registry objects (core/registry.ts)' }) },
          'text/csv': { schema: Type.String({ description: 'Header row of field names; lists separated by ; or |' }) },
        },
      },
      response: { 200: ImportReportSchema },
    },
  }, async (request) => {
    const caller = callerOf(request);
    return ctx.importFile(request.params.kind as FileKind, request.body as unknown, { dryRun: request.query.dryRun === true, by: `${caller.role}:${caller.sub}` });
  });
};

export default importRoutes;
