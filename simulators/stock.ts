// Parts stock of a generated network (pure, seeded): a station keeps some of the catalog parts of its parts
// categories (consumables often, expensive assemblies rarely); a depot keeps most parts of its categories.
import { DEFAULT_PARTS } from '../core/parts-catalog.ts';
import type { StockRow } from '../core/stock-import.ts';
import type { Depot, Station } from '../core/registry.ts';
import type { Random } from '../core/prng.ts';

/** Parts a station usually keeps on its own shelf (fluids, filters, sensors, batteries). */
const CONSUMABLE = /-(OIL|FL|DEF|OF|FF|AF|BAT|PS|SS|WSS|NOX|DPS|TS|HS)-?/;

export function generateStock(rng: Random, network: { stations: readonly Station[]; depots: readonly Depot[] }): StockRow[] {
  const rows: StockRow[] = [];
  for (const s of network.stations) {
    for (const p of DEFAULT_PARTS) {
      if (!(s.partsCategories as readonly string[]).includes(p.category)) continue;
      if (!rng.chance(CONSUMABLE.test(p.partNo) ? 0.6 : 0.1)) continue;
      rows.push({ kind: 'station', id: s.id, partNo: p.partNo, qty: rng.int(1, 4) });
    }
  }
  for (const d of network.depots) {
    for (const p of DEFAULT_PARTS) {
      if (!(d.partsCategories as readonly string[]).includes(p.category) || !rng.chance(0.85)) continue;
      rows.push({ kind: 'depot', id: d.id, partNo: p.partNo, qty: rng.int(5, 40) });
    }
  }
  return rows;
}
