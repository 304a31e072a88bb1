// The real API app (createApiServices + buildApp, as api/main.ts builds it) with the accounts settings a test
// needs, against the harness's real Redis, InfluxDB and Mosquitto. Two instances started on the same
// namespace behave as two API replicas.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildApp, type ApiApp } from '../../api/app.ts';
import { readApiConfig } from '../../api/config.ts';
import { createApiServices, type ApiServices } from '../../api/services.ts';
import type { AccountServices } from '../../accounts/services.ts';
import type { Role } from '../../core/auth.ts';
import type { AccountsConfig } from '../../infra/accounts-config.ts';
import { createTokenVerifier, signToken } from '../../infra/jwt.ts';
import { createRedis, type Redis } from '../../infra/redis.ts';
import { loadRegionMap } from '../../infra/regions-data.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
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
  readonly app: ApiApp;
  readonly api: ApiServices;
  readonly accounts: AccountServices;
  readonly redis: Redis;
  close(): Promise<void>;
}

/**
 * One API instance; `accounts` replaces the environment's accounts settings (e.g. a short lockout). With
 * `logLines`, the app logs at trace level into that array (to check what never reaches a log).
 */
export async function startAccountsApp(services: TestServices, accounts: AccountsConfig, opts: { logLines?: string[] } = {}): Promise<AccountsApp> {
  const lines = opts.logLines;
  const logger = lines
    ? pino({ level: 'trace' }, new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } }))
    : undefined;
  const redis = createRedis(services, 'fail-fast');
  const config = readApiConfig({ API_RATE_LIMIT_MAX: '100000' });
  const api = createApiServices({ ...config, accounts }, {
    redis,
    redisPrefix: services.redisPrefix,
    tokens: await createTokenVerifier(TEST_JWT),
    telemetry: createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb }),
    mqtt: { connected: false },
    regions: loadRegionMap(),
    ...(logger ? { logger } : {}),
  });
  const app = await buildApp(api);
  await app.ready();
  return {
    app,
    api,
    accounts: api.accounts,
    redis,
    async close() {
      await app.close();
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
