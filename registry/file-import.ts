// Importing a file through the API (admin): registry objects, fixed-point assignments or parts stock, as a JSON
// array or CSV text. All or nothing: when any row has a problem nothing is stored (400, one detail per problem,
// `rows[N].field`). A dry run validates the same way and reports counts and every row's problem, storing nothing.
import { ValidationError } from '../core/errors.ts';
import { IMPORT_KINDS, parseAssignmentFile, parseImportFile, type ImportKind } from '../core/registry-import.ts';
import { parseStockRows } from '../core/stock-import.ts';
import type { PartsCatalog } from '../parts/catalog.ts';
import type { RegistryImporter } from './importer.ts';

export type FileKind = ImportKind | 'assignments' | 'stock';

export interface FileImportReport {
  kind: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  dryRun?: true;
  rowsWithProblems?: number;
  problems?: Array<{ row: number; id?: string; field: string; message: string }>;
}

export function createFileImport(deps: { importer: RegistryImporter; stock: Pick<PartsCatalog, 'importStock'> }) {
  /** `body`: a JSON array of rows, or CSV text with a header row. `by` is recorded on imported assignments. */
  return async function importFile(kind: FileKind, body: unknown, opts: { dryRun: boolean; by: string }): Promise<FileImportReport> {
    if (kind === 'stock') {
      const parsed = parseStockRows(typeof body === 'string' ? body : (body as unknown[]));
      if (opts.dryRun) {
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
      const imported = await deps.stock.importStock(parsed.rows);
      return { kind: 'stock', rows: imported.rows, created: 0, updated: imported.locations, unchanged: 0 };
    }
    let report;
    if (kind === 'assignments') {
      const rows = typeof body === 'string' ? parseAssignmentFile(body, 'csv') : (body as unknown[]);
      report = await deps.importer.importAssignments(rows, opts.by.slice(0, 200), { dryRun: opts.dryRun });
    } else {
      const registryKind = IMPORT_KINDS[kind];
      const rows = typeof body === 'string' ? parseImportFile(registryKind, body, 'csv') : (body as unknown[]);
      report = await deps.importer.importRows(registryKind, rows, { dryRun: opts.dryRun });
    }
    if (opts.dryRun) {
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
  };
}

export type FileImport = ReturnType<typeof createFileImport>;
