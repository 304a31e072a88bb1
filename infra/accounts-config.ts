// Configuration of user accounts, sessions, the sign-in limiter, single sign-on and the audit trail
// (read once in api/main.ts; documented in the README's configuration table and docs/api.md).
import { ROLES, type Role } from '../core/auth.ts';
import { ConfigError, optionalString, requireInt, requireOneOf, requireUrl, type Env } from './config.ts';

export interface SessionConfig {
  /** A session unused this long ends (seconds). */
  readonly idleTimeoutS: number;
  /** A session ends this long after sign-in however much it is used (seconds). */
  readonly absoluteLifetimeS: number;
  /** `auto`: Secure when the request came over HTTPS; `always` behind a TLS-terminating proxy; `never` for plain-HTTP labs. */
  readonly cookieSecure: 'auto' | 'always' | 'never';
}

export interface SignInLimitConfig {
  /** Failed sign-ins for one username within the window that lock it. */
  readonly maxFailuresPerUsername: number;
  /** Failed sign-ins from one client address within the window that lock the address. */
  readonly maxFailuresPerAddress: number;
  readonly failureWindowS: number;
  /** How long a lock lasts (milliseconds, so tests can use a short one). */
  readonly lockoutMs: number;
}

export interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The callback URL registered at the identity provider (…/v1/auth/oidc/callback on this API). */
  readonly redirectUri: string;
  /** Claim whose value(s) decide the role (e.g. `groups`). */
  readonly roleClaim: string;
  /** Claim value → role, first match in the order given. */
  readonly roleMap: ReadonlyArray<readonly [string, Role]>;
  readonly scopes: string;
}

export interface AuditConfig {
  /** Entries older than this are trimmed (days). */
  readonly retentionDays: number;
  /** Upper bound on the number of entries kept, whatever their age. */
  readonly maxEntries: number;
}

export interface AccountsConfig {
  readonly sessions: SessionConfig;
  readonly signInLimit: SignInLimitConfig;
  readonly oidc?: OidcConfig;
  readonly audit: AuditConfig;
}

/** `groups-value=role,other=role` → ordered pairs; every role must be one of ROLES. */
export function parseRoleMap(name: string, text: string): Array<readonly [string, Role]> {
  const pairs: Array<readonly [string, Role]> = [];
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = item.lastIndexOf('=');
    const value = item.slice(0, at).trim();
    const role = item.slice(at + 1).trim();
    if (at <= 0 || !value || !(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError(name, `must be a comma-separated list of claim-value=role with role one of ${ROLES.join(', ')} (got "${item}")`);
    }
    pairs.push([value, role as Role]);
  }
  if (pairs.length === 0) throw new ConfigError(name, 'must map at least one claim value to a role');
  return pairs;
}

export function readAccountsConfig(env: Env): AccountsConfig {
  const idleTimeoutS = requireInt(env, 'SESSION_IDLE_TIMEOUT_S', { fallback: 30 * 60, min: 60 });
  const absoluteLifetimeS = requireInt(env, 'SESSION_ABSOLUTE_LIFETIME_S', { fallback: 12 * 3600, min: 60 });
  if (absoluteLifetimeS < idleTimeoutS) {
    throw new ConfigError('SESSION_ABSOLUTE_LIFETIME_S', `must be ≥ SESSION_IDLE_TIMEOUT_S (${idleTimeoutS})`);
  }
  const issuer = optionalString(env, 'OIDC_ISSUER');
  let oidc: OidcConfig | undefined;
  if (issuer !== undefined) {
    requireUrl(env, 'OIDC_ISSUER', ['https:', 'http:']);
    const clientId = optionalString(env, 'OIDC_CLIENT_ID');
    const clientSecret = optionalString(env, 'OIDC_CLIENT_SECRET');
    if (!clientId) throw new ConfigError('OIDC_CLIENT_ID', 'is required when OIDC_ISSUER is set');
    if (!clientSecret) throw new ConfigError('OIDC_CLIENT_SECRET', 'is required when OIDC_ISSUER is set');
    const roleMapText = optionalString(env, 'OIDC_ROLE_MAP');
    if (!roleMapText) throw new ConfigError('OIDC_ROLE_MAP', 'is required when OIDC_ISSUER is set (e.g. "fleet-agents=agent,fleet-admins=admin")');
    oidc = {
      issuer,
      clientId,
      clientSecret,
      redirectUri: requireUrl(env, 'OIDC_REDIRECT_URI', ['https:', 'http:']),
      roleClaim: optionalString(env, 'OIDC_ROLE_CLAIM') ?? 'groups',
      roleMap: parseRoleMap('OIDC_ROLE_MAP', roleMapText),
      scopes: optionalString(env, 'OIDC_SCOPES') ?? 'openid profile email',
    };
  }
  return {
    sessions: {
      idleTimeoutS,
      absoluteLifetimeS,
      cookieSecure: requireOneOf(env, 'SESSION_COOKIE_SECURE', ['auto', 'always', 'never'] as const, 'auto'),
    },
    signInLimit: {
      maxFailuresPerUsername: requireInt(env, 'SIGNIN_MAX_FAILURES_PER_USERNAME', { fallback: 10, min: 1 }),
      maxFailuresPerAddress: requireInt(env, 'SIGNIN_MAX_FAILURES_PER_ADDRESS', { fallback: 100, min: 1 }),
      failureWindowS: requireInt(env, 'SIGNIN_FAILURE_WINDOW_S', { fallback: 15 * 60, min: 1 }),
      lockoutMs: requireInt(env, 'SIGNIN_LOCKOUT_S', { fallback: 15 * 60, min: 1 }) * 1000,
    },
    ...(oidc ? { oidc } : {}),
    audit: {
      retentionDays: requireInt(env, 'AUDIT_RETENTION_DAYS', { fallback: 180, min: 1 }),
      maxEntries: requireInt(env, 'AUDIT_MAX_ENTRIES', { fallback: 1_000_000, min: 1000 }),
    },
  };
}
