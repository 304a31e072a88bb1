// Bulk import of the registry through the API (admin): the same importer as `npm run import`.
// JSON array (application/json) or CSV with a header row (text/csv). All or nothing: when any row has a
// problem nothing is stored and every problem is reported with its row number. `?dryRun=true` validates the
// same way and answers (200) the counts that would be created / updated / unchanged and every row's problems,
// storing nothing: the console's import preview.
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
    const body = request.body as unknown;
    const dryRun = request.query.dryRun === true;
    if (request.params.kind === 'stock') {
      const parsed = parseStockRows(typeof body === 'string' ? body : (body as unknown[]));
      if (dryRun) {
        // Stock replaces each named shelf: every shelf counts as updated.
        const problems = parsed.problems.map((p) => {
          const m = /^rows\[(\d+)\]\.?(.*)$/.exec(p.field);
          return m ? { row: Number(m[1]), field: m[2] ?? '', message: p.message } : { row: 0, field: p.field, message: p.message };
        });
        return {
          kind: 'stock', rows: parsed.rows.length + new Set(problems.map((p) => p.row)).size, created: 0,
          updated: new Set(parsed.rows.map((r) => `${r.kind}/${r.id}`)).size, unchanged: 0,
          dryRun: true, rowsWithProblems: new Set(problems.map((p) => p.row)).size, problems,
        };
      }
      if (parsed.problems.length) throw new ValidationError(`${parsed.problems.length} problems in the stock file; nothing was imported`, parsed.problems);
      const imported = await ctx.repair.catalog.importStock(parsed.rows);
      return { kind: 'stock', rows: imported.rows, created: 0, updated: imported.locations, unchanged: 0 };
    }
    let report;
    if (request.params.kind === 'assignments') {
      const caller = callerOf(request);
      const rows = typeof body === 'string' ? parseAssignmentFile(body, 'csv') : (body as unknown[]);
      report = await ctx.importer.importAssignments(rows, `${caller.role}:${caller.sub}`.slice(0, 200), { dryRun });
    } else {
      const kind = IMPORT_KINDS[request.params.kind as ImportKind];
      const rows = typeof body === 'string' ? parseImportFile(kind, body, 'csv') : (body as unknown[]);
      report = await ctx.importer.importRows(kind, rows, { dryRun });
    }
    if (dryRun) {
      const { problems, ...counts } = report;
      return { ...counts, dryRun: true, rowsWithProblems: new Set(problems.map((p) => p.row)).size, problems };
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
