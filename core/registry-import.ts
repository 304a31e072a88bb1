// Bulk-import files of the registry: a JSON array of entities (the network generator's format) or CSV
// with a header row of field names. CSV cells are typed by the entity schema: numbers, booleans
// (true/false/yes/no/1/0), lists separated by `;` or `|`; an empty cell means "not set".
import { parse as parseCsv } from 'csv-parse/sync';
import { ValidationError } from './errors.ts';
import { REGISTRY_SCHEMAS, type RegistryKind } from './registry.ts';

/** Import kinds as named on the CLI and in the API route (plural), mapped to registry kinds. */
export const IMPORT_KINDS = {
  stations: 'station',
  depots: 'depot',
  vehicles: 'vehicle',
  advisors: 'advisor',
  customers: 'customer',
} as const satisfies Record<string, RegistryKind>;
export type ImportKind = keyof typeof IMPORT_KINDS;

export function isImportKind(value: string): value is ImportKind {
  return Object.hasOwn(IMPORT_KINDS, value);
}

export type ImportFormat = 'json' | 'csv';

export interface RowProblem {
  /** 1-based row number (JSON: array index + 1; CSV: data row, header excluded). */
  row: number;
  id?: string;
  field: string;
  message: string;
}

type FieldType = 'number' | 'integer' | 'boolean' | 'array' | 'string';

function fieldTypes(kind: RegistryKind): Map<string, FieldType> {
  const properties = (REGISTRY_SCHEMAS[kind] as unknown as { properties: Record<string, { type?: string }> }).properties;
  const types = new Map<string, FieldType>();
  for (const [name, schema] of Object.entries(properties)) {
    const t = schema.type;
    types.set(name, t === 'number' || t === 'integer' || t === 'boolean' || t === 'array' ? t : 'string');
  }
  return types;
}

function typedCell(type: FieldType, cell: string): unknown {
  switch (type) {
    case 'number':
    case 'integer': {
      const n = Number(cell);
      return Number.isFinite(n) && cell.trim() !== '' ? n : cell; // left as text: validation names the field
    }
    case 'boolean': {
      const v = cell.trim().toLowerCase();
      if (['true', 'yes', '1'].includes(v)) return true;
      if (['false', 'no', '0'].includes(v)) return false;
      return cell;
    }
    case 'array':
      return cell.split(/[;|]/).map((s) => s.trim()).filter(Boolean);
    default:
      return cell;
  }
}

/** A JSON import file: an array (of rows still to be validated), or one ValidationError. */
function parseJsonArray(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`file is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ValidationError('a JSON import file must be an array of objects');
  return parsed;
}

/**
 * Parses an import file into raw rows (objects still to be validated). A file that cannot be parsed at
 * all (not JSON, not an array, CSV syntax error, unknown column) is one ValidationError.
 */
export function parseImportFile(kind: RegistryKind, text: string, format: ImportFormat): unknown[] {
  if (format === 'json') return parseJsonArray(text);
  let records: Array<Record<string, string>>;
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: false });
  } catch (err) {
    throw new ValidationError(`file is not valid CSV: ${(err as Error).message}`);
  }
  const types = fieldTypes(kind);
  const header = records[0] ? Object.keys(records[0]) : [];
  const unknown = header.filter((h) => !types.has(h));
  if (unknown.length) {
    throw new ValidationError(
      `unknown CSV column(s) for ${kind}: ${unknown.join(', ')}`,
      unknown.map((column) => ({ field: `columns.${column}`, message: `unknown column; known: ${[...types.keys()].join(', ')}` })),
    );
  }
  return records.map((record) => {
    const row: Record<string, unknown> = {};
    for (const [column, cell] of Object.entries(record)) {
      if (cell === '') continue;
      row[column] = typedCell(types.get(column)!, cell);
    }
    return row;
  });
}

/** Format from a file name or content type; JSON when it starts with `[`. */
export function detectFormat(nameOrType: string, text: string): ImportFormat {
  if (/\.csv$|text\/csv/i.test(nameOrType)) return 'csv';
  if (/\.json$|application\/json/i.test(nameOrType)) return 'json';
  return text.trimStart().startsWith('[') ? 'json' : 'csv';
}

/** Assignment files: JSON (flat rows or grouped by customer) or CSV with columns customerId,region,stationId,advisorId[,reason]. */
export function parseAssignmentFile(text: string, format: ImportFormat): unknown[] {
  if (format === 'json') return parseJsonArray(text);
  try {
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Array<Record<string, string>>;
    return records.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== '')));
  } catch (err) {
    throw new ValidationError(`file is not valid CSV: ${(err as Error).message}`);
  }
}
