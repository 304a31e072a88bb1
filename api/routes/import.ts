// Bulk import of the registry through the API (admin): the same importer as `npm run import`.
// JSON array (application/json) or CSV with a header row (text/csv). All or nothing: when any row has a
// problem nothing is stored and every problem is reported with its row number.
import { Type } from '@sinclair/typebox';
import { ValidationError } from '../../core/errors.ts';
import { IMPORT_KINDS, parseAssignmentFile, parseImportFile, type ImportKind } from '../../core/registry-import.ts';
import { parseStockRows } from '../../core/stock-import.ts';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';

const ImportReportSchema = Type.Object({
  kind: Type.String(),
  rows: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer({ description: 'Rows identical to what is stored: re-importing a file is a no-op' }),
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
      body: {
        content: {
          'application/json': { schema: Type.Array(Type.Any(), { maxItems: 200_000, description: 'Registry objects (core/registry.ts)' }) },
          'text/csv': { schema: Type.String({ description: 'Header row of field names; lists separated by ; or |' }) },
        },
      },
      response: { 200: ImportReportSchema },
    },
  }, async (request) => {
    const body = request.body as unknown;
    if (request.params.kind === 'stock') {
      const parsed = parseStockRows(typeof body === 'string' ? body : (body as unknown[]));
      if (parsed.problems.length) throw new ValidationError(`${parsed.problems.length} problems in the stock file; nothing was imported`, parsed.problems);
      const imported = await ctx.repair.catalog.importStock(parsed.rows);
      return { kind: 'stock', rows: imported.rows, created: 0, updated: imported.locations, unchanged: 0 };
    }
    let report;
    if (request.params.kind === 'assignments') {
      const caller = callerOf(request);
      const rows = typeof body === 'string' ? parseAssignmentFile(body, 'csv') : (body as unknown[]);
      report = await ctx.importer.importAssignments(rows, `${caller.role}:${caller.sub}`.slice(0, 200));
    } else {
      const kind = IMPORT_KINDS[request.params.kind as ImportKind];
      const rows = typeof body === 'string' ? parseImportFile(kind, body, 'csv') : (body as unknown[]);
      report = await ctx.importer.importRows(kind, rows);
    }
    if (report.problems.length) {
      const rowsWithProblems = new Set(report.problems.map((p) => p.row)).size;
      // Row numbers are 1-based (CSV: data rows, header excluded), as the import file's author counts them.
      throw new ValidationError(
        `${rowsWithProblems} of ${report.rows} rows have problems; nothing was imported`,
        report.problems.map((p) => ({ field: `rows[${p.row}].${p.field}`, message: p.message })),
      );
    }
    const { problems: _none, ...summary } = report;
    return summary;
  });
};

export default importRoutes;
