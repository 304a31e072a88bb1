// The API's copy of the station spatial index (core/station-index.ts), rebuilt when the station registry
// version changes. One Redis GET per query keeps every API instance current without pub/sub.
import { DEFAULT_ETA_MODEL, type EtaModel } from '../core/eta.ts';
import { createStationIndex, type StationIndex } from '../core/station-index.ts';
import type { RegistryStore } from '../infra/registry-store.ts';

export function createStationIndexCache(registry: Pick<RegistryStore, 'version' | 'list'>, etaModel: EtaModel = DEFAULT_ETA_MODEL) {
  let built: { version: number; index: StationIndex } | undefined;
  let building: Promise<StationIndex> | undefined;
  return {
    etaModel,
    async current(): Promise<StationIndex> {
      const version = await registry.version('station');
      if (built && built.version === version) return built.index;
      building ??= (async () => {
        try {
          const index = createStationIndex(await registry.list('station'), etaModel);
          built = { version, index };
          return index;
        } finally {
          building = undefined;
        }
      })();
      return building;
    },
  };
}
