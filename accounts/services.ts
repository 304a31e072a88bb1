// Builds the accounts services once from the API's Redis connection and configuration (called by the
// API's composition root; tests call it with the harness's Redis).
import type { Redis } from 'ioredis';
import type { AccountKeys } from '../core/account-keys.ts';
import type { AccountsConfig } from '../infra/accounts-config.ts';
import { createApiKeyStore } from '../infra/api-key-store.ts';
import { createAuditStream } from '../infra/audit-stream.ts';
import type { TokenVerifier } from '../infra/jwt.ts';
import { createOidcPendingStore } from '../infra/oidc-pending-store.ts';
import { createSessionStore } from '../infra/session-store.ts';
import { createSignInLimiterStore } from '../infra/sign-in-limiter-store.ts';
import { createUserStore } from '../infra/user-store.ts';
import { createApiKeys } from './api-keys.ts';
import { createAuditTrail } from './audit-trail.ts';
import { createCredentials } from './credentials.ts';
import { createSessions } from './sessions.ts';
import { createSignIn } from './sign-in.ts';
import { createSingleSignOn } from './single-sign-on.ts';
import { createUserAccounts } from './users.ts';

export function createAccountServices(deps: { redis: Redis; keys: AccountKeys; tokens: TokenVerifier; config: AccountsConfig }) {
  const { redis, config, keys } = deps;
  const userStore = createUserStore({ redis, keys });
  const sessions = createSessions({ store: createSessionStore({ redis, keys }), config: config.sessions });
  const apiKeys = createApiKeys({ store: createApiKeyStore({ redis, keys }) });
  return {
    config,
    users: createUserAccounts({ users: userStore, endSessionsOf: (id) => sessions.endAllOf(id) }),
    sessions,
    signIn: createSignIn({ users: userStore, limiter: createSignInLimiterStore({ redis, keys }), sessions, config: config.signInLimit }),
    singleSignOn: config.oidc
      ? createSingleSignOn({ config: config.oidc, pending: createOidcPendingStore({ redis, keys }), users: userStore, sessions })
      : undefined,
    apiKeys,
    audit: createAuditTrail({ stream: createAuditStream({ redis, key: keys.audit }), config: config.audit }),
    credentials: createCredentials({ tokens: deps.tokens, apiKeys, sessions, users: userStore }),
  };
}

export type AccountServices = ReturnType<typeof createAccountServices>;
