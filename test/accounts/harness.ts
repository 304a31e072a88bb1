// An API instance with user accounts on, against the harness's real Redis. Two instances built on the same
// namespace behave as two API replicas. Until app.ts wires accounts (architecture step), this composes the
// app from the same parts buildApp uses: error handling, installAuth with the accounts' credentials, the
// audit hook, the account routes and the registry's customer routes (for tenant scoping).
import Fastify, { type FastifyInstance } from 'fastify';
import { createAccountServices, type AccountServices } from '../../accounts/services.ts';
import type { AccountsConfig } from '../../infra/accounts-config.ts';
import { createTokenVerifier, signToken } from '../../infra/jwt.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { loadRegionMap } from '../../infra/regions-data.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { installAuth } from '../../api/auth.ts';
import { createApiContext } from '../../api/context.ts';
import { ErrorResponseSchema, installErrorHandling } from '../../api/errors.ts';
import { installAuditTrail, registerAccountRoutes } from '../../api/accounts-plugin.ts';
import { installMetrics } from '../../api/metrics.ts';
import advisorRoutes from '../../api/routes/advisors.ts';
import consoleRoutes from '../../api/routes/console.ts';
import customerRoutes from '../../api/routes/customers.ts';
import eventRoutes from '../../api/routes/events.ts';
import rescueRoutes from '../../api/routes/rescues.ts';
import stationRoutes from '../../api/routes/stations.ts';
import vehicleRoutes from '../../api/routes/vehicles.ts';
import type { Role } from '../../core/auth.ts';
import { TEST_JWT } from '../api/app-harness.ts';
import type { TestServices } from '../harness/context.ts';

export function testAccountsConfig(overrides: Partial<{ [K in keyof AccountsConfig]: Partial<AccountsConfig[K]> }> = {}): AccountsConfig {
  return {
    sessions: { idleTimeoutS: 600, absoluteLifetimeS: 3600, cookieSecure: 'auto', ...overrides.sessions },
    signInLimit: { maxFailuresPerUsername: 10, maxFailuresPerAddress: 1000, failureWindowS: 600, lockoutMs: 60_000, ...overrides.signInLimit },
    audit: { retentionDays: 30, maxEntries: 10_000, ...overrides.audit },
    ...(overrides.oidc ? { oidc: overrides.oidc as NonNullable<AccountsConfig['oidc']> } : {}),
  };
}

export interface AccountsApp {
  readonly app: FastifyInstance;
  readonly accounts: AccountServices;
  readonly redis: Redis;
  close(): Promise<void>;
}

/** `registry`: the customer routes only; `console`: also the console, vehicles, stations, advisors, rescues and events. */
export async function startAccountsApp(services: TestServices, config: AccountsConfig, areas: 'registry' | 'console' = 'registry'): Promise<AccountsApp> {
  const redis = createRedis(services.redisUrl, 'fail-fast');
  const tokens = await createTokenVerifier(TEST_JWT);
  const accounts = createAccountServices({ redis, redisPrefix: services.redisPrefix, tokens, config });
  const app = Fastify({ logger: false, trustProxy: false, ajv: { customOptions: { removeAdditional: false, useDefaults: true, coerceTypes: 'array', allErrors: false } } });
  installErrorHandling(app);
  app.addSchema(ErrorResponseSchema);
  installAuth(app, tokens, accounts.credentials);
  installAuditTrail(app, accounts.audit);
  installMetrics(app);
  await registerAccountRoutes(app, accounts);
  const ctx = createApiContext({
    redis,
    redisPrefix: services.redisPrefix,
    tokens,
    telemetry: createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb }),
    mqtt: { connected: false },
    regions: loadRegionMap(),
    rateLimitMax: 100_000,
    rateLimitWindowMs: 60_000,
  });
  await app.register(customerRoutes as never, { ...ctx, prefix: '/v1' });
  if (areas === 'console') {
    for (const plugin of [vehicleRoutes, stationRoutes, advisorRoutes, rescueRoutes, eventRoutes]) await app.register(plugin as never, { ...ctx, prefix: '/v1' });
    await app.register(consoleRoutes as never, { ...ctx, prefix: '' });
  }
  await app.ready();
  return {
    app,
    accounts,
    redis,
    async close() {
      await app.close();
      await ctx.queues.close();
      redis.disconnect();
    },
  };
}

export function operatorToken(role: Role, scope: { customerId?: string; stationId?: string; advisorId?: string } = {}): Promise<string> {
  return signToken(TEST_JWT, { sub: `op-${role}`, role, ...scope });
}

/** The value of a Set-Cookie for `name` in an inject response, and its attributes. */
export function setCookie(headers: Record<string, unknown>, name: string): { value: string; attributes: string[] } | undefined {
  const raw = headers['set-cookie'];
  const all = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  for (const line of all) {
    const [pair, ...attributes] = line.split(';').map((s) => s.trim());
    const at = pair!.indexOf('=');
    if (pair!.slice(0, at) === name) return { value: pair!.slice(at + 1), attributes };
  }
  return undefined;
}
