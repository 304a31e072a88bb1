// Redis adapter of single sign-on attempts in flight: the PKCE verifier and nonce by state, read once.
import type { Redis } from 'ioredis';
import type { AccountKeys } from '../core/account-keys.ts';

export interface PendingSignOn {
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly returnTo: string;
}

export interface OidcPendingStore {
  put(state: string, pending: PendingSignOn, ttlMs: number): Promise<void>;
  /** The attempt of a state, removed as it is read (a state works once). */
  take(state: string): Promise<PendingSignOn | undefined>;
}

export function createOidcPendingStore(deps: { redis: Redis; keys: AccountKeys }): OidcPendingStore {
  const { redis, keys } = deps;
  return {
    async put(state, pending, ttlMs) {
      await redis.set(keys.oidcPending(state), JSON.stringify(pending), 'PX', ttlMs);
    },
    async take(state) {
      const json = await redis.getdel(keys.oidcPending(state));
      return json ? (JSON.parse(json) as PendingSignOn) : undefined;
    },
  };
}
