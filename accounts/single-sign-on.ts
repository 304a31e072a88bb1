// Single sign-on with OpenID Connect: authorization code flow with PKCE (S256), state and nonce, against
// the operator's identity provider (OIDC_ISSUER). The relying party is openid-client (panva's certified
// library, built on the same author's jose that the API already uses); its discovery result is cached.
// The role comes from one claim (OIDC_ROLE_CLAIM) through OIDC_ROLE_MAP; a scoped role also needs its
// binding claim (customerId, stationId or advisorId). A person's first sign-on creates their account
// (source `oidc`); later sign-ons refresh name, email and role from the provider, which stays the source
// of truth, while an admin can still deactivate the account here. Local accounts are never linked to an
// identity by username (that would let whoever controls the provider take over a local account).
import { createHash } from 'node:crypto';
import * as oidc from 'openid-client';
import { SCOPE_CLAIM, type Role } from '../core/auth.ts';
import { BINDING_ID_PATTERN, normalizeUsername, validUsername, type StoredUser } from '../core/account.ts';
import { DomainError } from '../core/errors.ts';
import type { OidcConfig } from '../infra/accounts-config.ts';
import type { OidcPendingStore } from '../infra/oidc-pending-store.ts';
import type { UserStore } from '../infra/user-store.ts';
import type { Sessions, StartedSession } from './sessions.ts';
import { newUserId } from './users.ts';

const PENDING_TTL_MS = 10 * 60 * 1000;
const BINDING_ID = new RegExp(BINDING_ID_PATTERN);

/** The role a set of claims maps to, or undefined. */
export function roleOfClaims(claims: Readonly<Record<string, unknown>>, config: Pick<OidcConfig, 'roleClaim' | 'roleMap'>): Role | undefined {
  const raw = claims[config.roleClaim];
  const values = Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : typeof raw === 'string' ? [raw] : [];
  return config.roleMap.find(([value]) => values.includes(value))?.[1];
}

/** Only a path on this site: never `//host` or a URL elsewhere (no open redirect). */
export function safeReturnTo(returnTo: string | undefined): string {
  return returnTo && /^\/(?![/\\])/.test(returnTo) ? returnTo : '/';
}

export function createSingleSignOn(deps: {
  config: OidcConfig;
  pending: OidcPendingStore;
  users: UserStore;
  sessions: Pick<Sessions, 'start'>;
  now?: () => Date;
}) {
  const { config, pending, users, sessions } = deps;
  const now = deps.now ?? (() => new Date());
  let discovered: Promise<oidc.Configuration> | undefined;

  function provider(): Promise<oidc.Configuration> {
    discovered ??= oidc.discovery(new URL(config.issuer), config.clientId, config.clientSecret, undefined, {
      // Plain HTTP only when the operator configured an http:// issuer (a lab or a loopback provider).
      ...(new URL(config.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      timeout: 10,
    }).catch((err: unknown) => {
      discovered = undefined; // try again on the next sign-on
      throw new DomainError('unavailable', `the identity provider is not reachable (${(err as Error).message})`);
    });
    return discovered;
  }

  async function provision(claims: Readonly<Record<string, unknown>>): Promise<StoredUser> {
    const sub = String(claims['sub']);
    const role = roleOfClaims(claims, config);
    if (!role) throw new DomainError('forbidden', `your identity provider account has no role here (claim ${config.roleClaim})`);
    const bindingField = SCOPE_CLAIM[role];
    const bindingValue = bindingField ? claims[bindingField] : undefined;
    if (bindingField && (typeof bindingValue !== 'string' || !BINDING_ID.test(bindingValue))) {
      throw new DomainError('forbidden', `a ${role} account needs the claim ${bindingField} from the identity provider`);
    }
    const externalId = `${config.issuer}|${sub}`;
    const displayName = [claims['name'], claims['preferred_username'], claims['email'], sub].find((v): v is string => typeof v === 'string' && v.length > 0)!.slice(0, 120);
    const email = typeof claims['email'] === 'string' ? claims['email'] : undefined;
    const at = now().toISOString();
    const fromClaims = {
      displayName,
      role,
      ...(bindingField ? { [bindingField]: bindingValue as string } : {}),
      ...(email ? { email } : {}),
    };
    const existingId = await users.idOfExternal(externalId);
    const existing = existingId ? await users.get(existingId) : undefined;
    if (existing) {
      const { customerId: _c, stationId: _s, advisorId: _a, ...unbound } = existing;
      const refreshed: StoredUser = { ...unbound, ...fromClaims, updatedAt: at };
      await users.save(refreshed);
      return refreshed;
    }
    const preferred = typeof claims['preferred_username'] === 'string' ? claims['preferred_username'] : '';
    const fallback = `sso.${createHash('sha256').update(externalId).digest('hex').slice(0, 12)}`;
    const user: StoredUser = {
      id: newUserId(),
      username: validUsername(preferred) ? preferred : fallback,
      ...fromClaims,
      active: true,
      mustChangePassword: false,
      source: 'oidc',
      createdAt: at,
      updatedAt: at,
    };
    let created = await users.create(user, normalizeUsername(user.username));
    if (!created && user.username !== fallback) {
      // The provider's username is taken by another account here: keep them apart.
      created = await users.create({ ...user, username: fallback }, fallback);
    }
    if (!created || !(await users.bindExternal(externalId, user.id))) {
      throw new DomainError('conflict', 'this identity is being signed in concurrently: try again');
    }
    return (await users.get(user.id))!;
  }

  return {
    /** Where to send the browser, and the state to bind to it (a short-lived cookie). */
    async start(returnTo: string | undefined): Promise<{ url: string; state: string }> {
      const configuration = await provider();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      await pending.put(state, { codeVerifier, nonce, returnTo: safeReturnTo(returnTo) }, PENDING_TTL_MS);
      const url = oidc.buildAuthorizationUrl(configuration, {
        redirect_uri: config.redirectUri,
        scope: config.scopes,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, state };
    },

    /**
     * Completes a sign-on from the provider's redirect: the state must be the one this browser started
     * with (`stateOfBrowser`, from its cookie), then the code is exchanged with the PKCE verifier and the
     * ID token's nonce checked.
     */
    async finish(query: string, stateOfBrowser: string | undefined, address: string): Promise<{ user: StoredUser; session: StartedSession; returnTo: string }> {
      const callback = new URL(config.redirectUri);
      callback.search = query;
      const state = callback.searchParams.get('state');
      const providerError = callback.searchParams.get('error');
      if (providerError) throw new DomainError('unauthenticated', `the identity provider refused the sign-in (${providerError.slice(0, 100)})`);
      if (!state || state !== stateOfBrowser) throw new DomainError('unauthenticated', 'this sign-in was not started from this browser: start again');
      const attempt = await pending.take(state);
      if (!attempt) throw new DomainError('unauthenticated', 'this sign-in has expired or was already used: start again');
      const configuration = await provider();
      let claims: Record<string, unknown>;
      try {
        const tokens = await oidc.authorizationCodeGrant(configuration, callback, {
          pkceCodeVerifier: attempt.codeVerifier,
          expectedState: state,
          expectedNonce: attempt.nonce,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims()!;
        const userInfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
        claims = { ...userInfo, ...idClaims };
      } catch (err) {
        throw new DomainError('unauthenticated', `the identity provider's answer was not accepted (${(err as Error).message})`);
      }
      const user = await provision(claims);
      if (!user.active) throw new DomainError('account_deactivated', 'this account is deactivated: ask an administrator');
      return { user, session: await sessions.start(user.id, 'oidc', address), returnTo: attempt.returnTo };
    },
  };
}

export type SingleSignOn = ReturnType<typeof createSingleSignOn>;
