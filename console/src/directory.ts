// Session-wide lookups that every view needs and that change rarely during a shift: the station network,
// the customers the caller may see, and the fleet snapshot (`GET /v1/fleet/live`). Each is one request,
// shared by every view and re-read only when it is older than its freshness window, so switching views
// costs no requests for them: normal navigation never approaches the API's per-caller rate limit.
import { itemsOf, type Api } from './api.ts';
import type { Customer, Depot, FleetPage, Part, Station } from './model.ts';

const STATION_PAGE = 1000;
/** The fleet snapshot is re-read at most this often; live events keep it current in between. */
export const FLEET_FRESH_MS = 20_000;

export interface Directory {
  stations(): Promise<Map<string, Station>>;
  customers(): Promise<Map<string, Customer>>;
  /** All pages of `GET /v1/fleet/live`, shared while fresh. `force` re-reads it (e.g. cases changed). */
  fleet(force?: boolean): Promise<FleetPage>;
  /** Open cases and customer names without the trucks (`/v1/fleet/live?trucks=false`), shared for 3 s. */
  openCases(force?: boolean): Promise<FleetPage>;
  /** The parts catalog (`GET /v1/parts`): names in both languages. */
  parts(): Promise<Map<string, Part>>;
  /** The parts depots (network data every role may read). */
  depots(): Promise<Map<string, Depot>>;
  /** Forget the cached registry lists (after an admin change). */
  invalidate(): void;
}

async function allPages<T>(api: Api, path: string): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += STATION_PAGE) {
    const page = await api.get<{ items: T[]; total?: number }>(path, { limit: STATION_PAGE, offset });
    const items = itemsOf<T>(page);
    out.push(...items);
    if (items.length < STATION_PAGE || (page.total !== undefined && out.length >= page.total)) return out;
  }
}

export function createDirectory(api: Api, canSeeRegistry: boolean): Directory {
  let stations: Promise<Map<string, Station>> | undefined;
  let customers: Promise<Map<string, Customer>> | undefined;
  let parts: Promise<Map<string, Part>> | undefined;
  let depots: Promise<Map<string, Depot>> | undefined;
  let fleet: { at: number; page: Promise<FleetPage> } | undefined;
  let cases: { at: number; page: Promise<FleetPage> } | undefined;
  const keep = <T>(p: Promise<T>, forget: () => void): Promise<T> => {
    p.catch(forget);
    return p;
  };
  // One request for the catalog and the depots' names (`GET /v1/parts?include=depots`): a case page's parts lines
  // need both, and the page stays within its request budget.
  const loadCatalog = () => {
    const both = api.get<{ items: Part[]; depots?: Depot[] }>('/v1/parts?include=depots');
    parts = keep(both.then((a) => new Map(a.items.map((p) => [p.partNo, p]))), () => (parts = undefined));
    depots = keep(both.then((a) => new Map((a.depots ?? []).map((d) => [d.id, d]))), () => (depots = undefined));
  };
  return {
    stations() {
      stations ??= keep(allPages<Station>(api, '/v1/stations').then((list) => new Map(list.map((s) => [s.id, s]))), () => (stations = undefined));
      return stations;
    },
    customers() {
      if (!canSeeRegistry) return Promise.resolve(new Map());
      customers ??= keep(allPages<Customer>(api, '/v1/customers').then((list) => new Map(list.map((c) => [c.id, c]))), () => (customers = undefined));
      return customers;
    },
    parts() {
      if (!parts || !depots) loadCatalog();
      return parts!;
    },
    depots() {
      if (!parts || !depots) loadCatalog();
      return depots!;
    },
    fleet(force = false) {
      if (!fleet || force || Date.now() - fleet.at > FLEET_FRESH_MS) {
        const page = (async (): Promise<FleetPage> => {
          const first = await api.get<FleetPage>('/v1/fleet/live');
          let cursor = first.nextCursor;
          while (cursor) {
            const next = await api.get<FleetPage>('/v1/fleet/live', { cursor });
            first.items.push(...next.items);
            cursor = next.nextCursor;
          }
          return first;
        })();
        const entry = { at: Date.now(), page };
        fleet = entry;
        page.catch(() => {
          if (fleet === entry) fleet = undefined;
        });
      }
      return fleet.page;
    },
    openCases(force = false) {
      if (!cases || force || Date.now() - cases.at > 3000) {
        const entry = { at: Date.now(), page: api.get<FleetPage>('/v1/fleet/live', { trucks: false }) };
        cases = entry;
        entry.page.catch(() => {
          if (cases === entry) cases = undefined;
        });
      }
      return cases.page;
    },
    invalidate() {
      stations = undefined;
      customers = undefined;
      depots = undefined;
    },
  };
}
