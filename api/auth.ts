// Authentication of every route that is not marked `config: { public: true }` — a bearer JWT or API key,
// or the sign-in session cookie (accounts/credentials.ts) — and role checks declared per route as
// `config: { roles: [...] }`. The caller ends up on `request.caller`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireRole, type Caller, type Role } from '../core/auth.ts';
import { DomainError } from '../core/errors.ts';
import type { TokenVerifier } from '../infra/jwt.ts';
import type { Credentials } from '../accounts/credentials.ts';
import { sendDomainError } from './errors.ts';
import { isStateChanging, requireCsrfToken, SESSION_COOKIE } from './session-auth.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; absent only on public routes. */
    caller?: Caller;
  }
  interface FastifyContextConfig {
    /** No token needed (health, metrics, docs). */
    public?: boolean;
    /** Roles allowed to call the route; omitted = every authenticated role (scope rules still apply). */
    roles?: readonly Role[];
    /**
     * Also accept the token from this cookie when there is no Authorization header: browser pages that
     * cannot send a header (the admin queue board). Only such routes read it, so no JSON route can be
     * driven by a cookie a browser sends on its own.
     */
    tokenCookie?: string;
  }
}

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i;

/** The value of one cookie of the request, if sent. */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/** The token of `Authorization: Bearer <jwt>`; undefined without the header, 401 when it is malformed. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = BEARER.exec(header);
  if (!match) throw new DomainError('unauthenticated', 'Authorization header must be "Bearer <jwt>"');
  return match[1]!;
}

/** Verifies a token and checks the role: 401 for a bad token, 403 for a role not in `roles`. */
export async function authenticate(verifier: TokenVerifier, token: string, roles?: readonly Role[]): Promise<Caller> {
  const caller = await verifier.verify(token);
  if (roles) requireRole(caller, roles);
  return caller;
}

/**
 * The caller of a request: `Authorization: Bearer` (an API key or a JWT), else the route's own token
 * cookie (the queue board's, SameSite=Strict), else the sign-in session cookie (CSRF-checked for
 * state-changing requests). 401 when there is none.
 */
async function callerOfRequest(request: FastifyRequest, credentials: Pick<Credentials, 'bearer' | 'session'>, tokenCookie: string | undefined): Promise<Caller> {
  const bearer = bearerToken(request);
  if (bearer) return credentials.bearer(bearer);
  const routeToken = tokenCookie ? cookieOf(request, tokenCookie) : undefined;
  if (routeToken) return credentials.bearer(routeToken);
  const sessionId = cookieOf(request, SESSION_COOKIE);
  if (sessionId) {
    const resolved = await credentials.session(sessionId);
    if (!resolved) throw new DomainError('unauthenticated', 'your session has ended: sign in again');
    if (isStateChanging(request.method)) requireCsrfToken(request, resolved.session);
    request.accountSession = resolved.session;
    return resolved.caller;
  }
  throw new DomainError('unauthenticated', tokenCookie
    ? `missing token: send Authorization: Bearer <jwt>, or sign in on the login page that sets the ${tokenCookie} cookie`
    : 'not signed in: sign in (POST /v1/auth/login) or send Authorization: Bearer <jwt or API key>');
}

export function installAuth(app: FastifyInstance, credentials: Pick<Credentials, 'bearer' | 'session'>): void {
  app.decorateRequest('caller', undefined);
  app.decorateRequest('accountSession', undefined);

  app.addHook('onRoute', (route) => {
    if (route.config?.public) return;
    // Document the requirement in the OpenAPI document: a bearer credential or the session cookie.
    route.schema = { ...(route.schema ?? {}), security: [{ bearerAuth: [] }, { sessionCookie: [] }] } as typeof route.schema;
  });

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.public || request.routeOptions.url === undefined) return;
    try {
      const caller = await callerOfRequest(request, credentials, config.tokenCookie);
      if (caller.mustChangePassword && !config.whilePasswordChangeRequired) {
        throw new DomainError('password_change_required', 'an administrator reset your password: choose a new one (POST /v1/auth/password) first');
      }
      if (config.roles) requireRole(caller, config.roles);
      request.caller = caller;
    } catch (err) {
      // Answered here rather than thrown: a plugin with its own error handler (bull-board's) must not
      // turn a 401/403 into its own format.
      if (err instanceof DomainError) return sendDomainError(request, reply, err);
      throw err;
    }
  });
}

/** The caller of an authenticated route. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new DomainError('unauthenticated', 'missing bearer token');
  return request.caller;
}
