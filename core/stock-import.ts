// Stock files for POST /v1/import/stock: JSON rows or CSV with the header `kind,id,partNo,qty`
// (kind = station | depot). Each named location's shelf is replaced by its rows.
import type { FieldProblem } from './errors.ts';

export interface StockRow {
  readonly kind: 'station' | 'depot';
  readonly id: string;
  readonly partNo: string;
  readonly qty: number;
}

/** Rows and their problems (1-based row numbers, as the file's author counts data rows). */
export function parseStockRows(input: unknown[] | string): { rows: StockRow[]; problems: FieldProblem[] } {
  const raw: Array<Record<string, unknown>> = [];
  if (typeof input === 'string') {
    const lines = input.split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
    for (const line of lines) raw.push(Object.fromEntries(line.split(',').map((v, i) => [header[i] ?? `col${i}`, v.trim()])));
  } else {
    for (const r of input) raw.push(typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : {});
  }
  const rows: StockRow[] = [];
  const problems: FieldProblem[] = [];
  raw.forEach((r, i) => {
    const n = i + 1;
    const kind = r.kind;
    const qty = typeof r.qty === 'string' && r.qty !== '' ? Number(r.qty) : r.qty;
    const before = problems.length;
    if (kind !== 'station' && kind !== 'depot') problems.push({ field: `rows[${n}].kind`, message: 'must be station or depot' });
    if (typeof r.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(r.id)) problems.push({ field: `rows[${n}].id`, message: 'must be a station or depot id' });
    if (typeof r.partNo !== 'string' || r.partNo === '') problems.push({ field: `rows[${n}].partNo`, message: 'is required' });
    if (typeof qty !== 'number' || !Number.isInteger(qty) || qty < 0) problems.push({ field: `rows[${n}].qty`, message: 'must be a whole number ≥ 0' });
    if (problems.length === before) rows.push({ kind: kind as StockRow['kind'], id: r.id as string, partNo: r.partNo as string, qty: qty as number });
  });
  return { rows, problems };
}
