// What every route plugin receives: the app's dependencies (built once in main.ts and passed to
// buildApp) plus adapters derived from them. Narrowed on purpose: a route sees what it uses, no env.
import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import type { Redis } from 'ioredis';
import { redisKeys, type RedisKeys } from '../core/keys.ts';
import type { TokenVerifier } from '../infra/jwt.ts';
import type { TelemetryStore } from '../infra/telemetry-store.ts';
import { createRegistryStore, type RegistryStore } from '../infra/registry-store.ts';
import type { RegionMap } from '../core/regions.ts';
import { createRegistryImporter, type RegistryImporter } from '../infra/registry-importer.ts';
import { createScopeResolver, type ScopeResolver } from './scope.ts';
import { openDispatcherQueues, type DispatcherQueues } from './dispatcher-queues.ts';
import type { RescueConfig } from '../infra/rescue-config.ts';
import type { TypeBoxTypeProvider } from './typebox.ts';

export interface AppDeps {
  /** Fail-fast connection for request handlers (registry, live state, rate limiting). */
  readonly redis: Redis;
  readonly redisPrefix: string;
  readonly tokens: TokenVerifier;
  /** InfluxDB (track queries, health). */
  readonly telemetry: Pick<TelemetryStore, 'query' | 'ping'>;
  /** The API's MQTT client, only for the health report. */
  readonly mqtt: { readonly connected: boolean };
  /** Requests per caller (token subject, or IP without a token) per `rateLimitWindowMs`. */
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
  /** China's regions (position → region, adjacency); infra/regions-data.ts loads it. */
  readonly regions: RegionMap;
  /** Rescue dispatch settings (launch window, escalation); defaults when omitted. */
  readonly rescue?: RescueConfig;
  /** Pino logger; omit for a silent app (tests). */
  readonly logger?: import('pino').Logger;
}

export interface ApiContext extends AppDeps {
  readonly keys: RedisKeys;
  readonly registry: RegistryStore;
  readonly importer: RegistryImporter;
  readonly scope: ScopeResolver;
  /** The system's BullMQ queues, shared by every plugin that adds, counts or shows jobs. */
  readonly queues: DispatcherQueues;
}

export function createApiContext(deps: AppDeps): ApiContext {
  const registry = createRegistryStore({ redis: deps.redis, prefix: deps.redisPrefix });
  const keys = redisKeys(deps.redisPrefix);
  return {
    ...deps,
    keys,
    registry,
    importer: createRegistryImporter({ registry, regions: deps.regions }),
    scope: createScopeResolver(registry),
    queues: openDispatcherQueues(deps.redis, keys.bullPrefix),
  };
}

/** One Fastify plugin per area (api/routes/*.ts), registered by app.ts with the shared context. */
export type RoutePlugin = FastifyPluginAsync<ApiContext, RawServerDefault, TypeBoxTypeProvider>;
