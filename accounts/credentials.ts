// Who a request's credentials belong to: a bearer API key, a bearer JWT (machine clients, `npm run token`)
// or a sign-in session. A session resolves to its user's current record on every request, so deactivation,
// a role change or a password reset takes effect on the very next request.
import type { Caller } from '../core/auth.ts';
import type { TokenVerifier } from '../infra/jwt.ts';
import type { UserStore } from '../infra/user-store.ts';
import { isApiKey, type ApiKeys } from './api-keys.ts';
import type { LiveSession, Sessions } from './sessions.ts';

export interface SessionCaller {
  readonly caller: Caller;
  readonly session: LiveSession;
}

export function createCredentials(deps: {
  tokens: TokenVerifier;
  apiKeys: Pick<ApiKeys, 'authenticate'>;
  sessions: Pick<Sessions, 'resolve' | 'end'>;
  users: Pick<UserStore, 'get'>;
}) {
  const { tokens, apiKeys, sessions, users } = deps;
  return {
    /** The caller of `Authorization: Bearer <value>`: an API key (frk_…) or a JWT; throws 401. */
    async bearer(value: string): Promise<Caller> {
      if (isApiKey(value)) return apiKeys.authenticate(value);
      return { ...(await tokens.verify(value)), via: 'token' };
    },

    /** The caller of a session cookie, or undefined when the session is unknown, over, or its user deactivated. */
    async session(cookieValue: string): Promise<SessionCaller | undefined> {
      const session = await sessions.resolve(cookieValue);
      if (!session) return undefined;
      const user = await users.get(session.record.userId);
      if (!user?.active) {
        await sessions.end(session.idHash, session.record.userId);
        return undefined;
      }
      const caller: Caller = {
        sub: user.id,
        role: user.role,
        ...(user.customerId ? { customerId: user.customerId } : {}),
        ...(user.stationId ? { stationId: user.stationId } : {}),
        ...(user.advisorId ? { advisorId: user.advisorId } : {}),
        name: user.displayName,
        via: 'session',
        ...(user.mustChangePassword ? { mustChangePassword: true } : {}),
      };
      return { caller, session };
    },
  };
}

export type Credentials = ReturnType<typeof createCredentials>;
