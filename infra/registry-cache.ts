// In-process copies of registry data, each derived from some registry kinds and rebuilt when one of their
// version counters moves (every registry write bumps its kind's counter: infra/registry-store.ts). This is
// the one caching mechanism for registry data in every process: the API's customer/station/advisor maps and
// station index, the dispatcher's network view, ingest's VIN → customer directory.
//
// A read costs one MGET of the counters (or none, when the caller read them in its own pipeline and passes
// them to `at`). A write anywhere (any process, any replica, the import CLI) is seen by the next read.
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../core/keys.ts';
import type { RegistryKind } from '../core/registry.ts';

export interface RegistryView<T> {
  /** The version counters this view depends on, in the order `at` expects their values. */
  readonly versionKeys: readonly string[];
  /** The value for the current registry (reads the counters first). */
  current(): Promise<T>;
  /** The value for counters the caller already read (e.g. in the same round trip as other data). */
  at(versions: ReadonlyArray<string | null | undefined>): Promise<T>;
}

export interface RegistryCache {
  /** A value built from registry kinds `kinds`, rebuilt (once, however many callers wait) when any of their counters moves. */
  view<T>(kinds: readonly RegistryKind[], build: () => Promise<T>): RegistryView<T>;
}

export function createRegistryCache(deps: { redis: Pick<Redis, 'mget'>; keys: Pick<RedisKeys, 'registryVersion'> }): RegistryCache {
  return {
    view<T>(kinds: readonly RegistryKind[], build: () => Promise<T>): RegistryView<T> {
      const versionKeys = kinds.map((k) => deps.keys.registryVersion(k));
      let built: { version: string; value: T } | undefined;
      let building: { version: string; promise: Promise<T> } | undefined;

      function at(versions: ReadonlyArray<string | null | undefined>): Promise<T> {
        const version = versions.map((v) => v ?? '0').join('|');
        if (built && built.version === version) return Promise.resolve(built.value);
        if (building && building.version === version) return building.promise;
        const promise = build().then(
          (value) => {
            // A slower build of an older version never replaces a newer one.
            if (!built || building?.promise === promise) built = { version, value };
            if (building?.promise === promise) building = undefined;
            return value;
          },
          (err: unknown) => {
            if (building?.promise === promise) building = undefined;
            throw err;
          },
        );
        building = { version, promise };
        return promise;
      }

      return {
        versionKeys,
        at,
        current: async () => at(await deps.redis.mget(...versionKeys)),
      };
    },
  };
}
