// The parts catalog (built-in parts of core/parts-catalog.ts plus what an admin added or changed) and the stock
// of stations and depots: replace a location's shelf, read it with what is reserved.
import { NotFoundError, ValidationError, type FieldProblem } from '../core/errors.ts';
import { DEFAULT_PARTS, type Part, type PartLine } from '../core/parts-catalog.ts';
import { stockLocation, type PartSource } from '../core/parts-plan.ts';
import type { RegistryStore } from '../infra/registry-store.ts';
import type { PartsStore, StockRow } from '../infra/parts-store.ts';

export interface PartsCatalogDeps {
  store: Pick<PartsStore, 'catalogEntries' | 'putCatalogEntry' | 'replaceStock' | 'stock'>;
  registry: Pick<RegistryStore, 'get'>;
}

export function createPartsCatalog(deps: PartsCatalogDeps) {
  async function list(): Promise<Part[]> {
    const merged = new Map(DEFAULT_PARTS.map((p) => [p.partNo, p]));
    for (const p of await deps.store.catalogEntries()) merged.set(p.partNo, p);
    return [...merged.values()].sort((a, b) => (a.partNo < b.partNo ? -1 : 1));
  }

  async function get(partNo: string): Promise<Part | undefined> {
    return (await list()).find((p) => p.partNo === partNo);
  }

  async function put(part: Part): Promise<Part> {
    await deps.store.putCatalogEntry(part);
    return part;
  }

  async function requireLocation(kind: PartSource, id: string): Promise<void> {
    const found = await deps.registry.get(kind, id);
    if (!found) throw new NotFoundError(kind, id);
  }

  /** Problems of a stock list: unknown part numbers, a part listed twice, quantities that are not whole and ≥ 0. */
  async function stockProblems(items: readonly PartLine[], field = 'body.items'): Promise<FieldProblem[]> {
    const known = new Set((await list()).map((p) => p.partNo));
    const seen = new Set<string>();
    const problems: FieldProblem[] = [];
    items.forEach((item, i) => {
      if (!known.has(item.partNo)) problems.push({ field: `${field}[${i}].partNo`, message: `${item.partNo} is not in the parts catalog` });
      if (seen.has(item.partNo)) problems.push({ field: `${field}[${i}].partNo`, message: `${item.partNo} is listed twice` });
      if (!Number.isInteger(item.qty) || item.qty < 0) problems.push({ field: `${field}[${i}].qty`, message: 'must be a whole number ≥ 0' });
      seen.add(item.partNo);
    });
    return problems;
  }

  /** Replaces the shelf of a station or depot (units on hand; reservations are kept). */
  async function replaceStock(kind: PartSource, id: string, items: readonly PartLine[]): Promise<StockRow[]> {
    await requireLocation(kind, id);
    const problems = await stockProblems(items);
    if (problems.length) throw new ValidationError('the stock list has problems; nothing was changed', problems);
    await deps.store.replaceStock(stockLocation(kind, id), items);
    return deps.store.stock(stockLocation(kind, id));
  }

  async function stock(kind: PartSource, id: string): Promise<StockRow[]> {
    await requireLocation(kind, id);
    return deps.store.stock(stockLocation(kind, id));
  }

  /** Stock file rows (`kind,id,partNo,qty`): every named location's shelf is replaced by its rows; all or nothing. */
  async function importStock(rows: ReadonlyArray<{ kind: PartSource; id: string; partNo: string; qty: number }>): Promise<{ locations: number; rows: number }> {
    const byLocation = new Map<string, { kind: PartSource; id: string; items: PartLine[]; rows: number[] }>();
    rows.forEach((r, i) => {
      const key = stockLocation(r.kind, r.id);
      const entry = byLocation.get(key) ?? { kind: r.kind, id: r.id, items: [], rows: [] };
      entry.items.push({ partNo: r.partNo, qty: r.qty });
      entry.rows.push(i + 1);
      byLocation.set(key, entry);
    });
    const problems: FieldProblem[] = [];
    for (const loc of byLocation.values()) {
      if (!(await deps.registry.get(loc.kind, loc.id))) problems.push({ field: `rows[${loc.rows[0]}].id`, message: `${loc.kind} ${loc.id} not found` });
      for (const p of await stockProblems(loc.items, 'items')) {
        const index = Number(/\[(\d+)\]/.exec(p.field)?.[1] ?? 0);
        problems.push({ field: `rows[${loc.rows[index]}]${p.field.replace(/^items\[\d+\]/, '')}`, message: p.message });
      }
    }
    if (problems.length) throw new ValidationError(`${problems.length} problems in the stock file; nothing was imported`, problems);
    for (const loc of byLocation.values()) await deps.store.replaceStock(stockLocation(loc.kind, loc.id), loc.items);
    return { locations: byLocation.size, rows: rows.length };
  }

  return { list, get, put, replaceStock, stock, importStock };
}

export type PartsCatalog = ReturnType<typeof createPartsCatalog>;
