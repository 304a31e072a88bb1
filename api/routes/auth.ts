// Sign-in and sign-out for people: username + password, or single sign-on (OpenID Connect, code + PKCE).
// Both end in a session cookie (api/session-auth.ts); machine clients keep sending a bearer JWT or API key.
import { Type } from '@sinclair/typebox';
import { DomainError, ValidationError } from '../../core/errors.ts';
import { cookieOf, callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { AuthOptionsSchema, LoginBody, MeSchema, PasswordChangeBody, SignedInSchema, UserSchema } from '../account-schemas.ts';
import { SignInLockedError } from '../../accounts/sign-in.ts';
import { publicUser } from '../../accounts/users.ts';
import { clearSessionCookie, cookieHeader, requireSameOrigin, SESSION_COOKIE, setSessionCookie } from '../session-auth.ts';

const tags = ['accounts'];
/** Binds a single sign-on attempt to the browser that started it (login CSRF). */
const OIDC_STATE_COOKIE = 'fr_oidc_state';
const OIDC_PATH = '/v1/auth/oidc';

const authRoutes: RoutePlugin = async (app, { accounts, registry }) => {
  const sessionConfig = accounts.config.sessions;

  app.get('/auth/options', {
    config: { public: true },
    schema: { tags, summary: 'How people can sign in here (the console shows the single sign-on button when configured)', response: { 200: AuthOptionsSchema } },
  }, async () => ({ password: true, singleSignOn: accounts.singleSignOn !== undefined }));

  app.post('/auth/login', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Sign in with username and password: sets the session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS)',
      description: 'Always a new session id (a cookie sent with the request is ended, never reused). '
        + '401 invalid_credentials for a wrong password or an unknown username alike; 429 account_locked after too many failures '
        + 'for the username (with Retry-After), 429 rate_limited after too many from the address; 403 account_deactivated.',
      body: LoginBody,
      response: { 200: SignedInSchema },
    },
  }, async (request, reply) => {
    requireSameOrigin(request);
    const previous = cookieOf(request, SESSION_COOKIE);
    if (previous) {
      const live = await accounts.sessions.resolve(previous);
      if (live) await accounts.sessions.end(live.idHash, live.record.userId);
    }
    request.auditObject = `usernames/${request.body.username.slice(0, 64)}`;
    let signedIn;
    try {
      signedIn = await accounts.signIn.signIn({ ...request.body, address: request.ip });
    } catch (err) {
      if (err instanceof SignInLockedError) reply.header('retry-after', String(err.retryAfterS));
      throw err;
    }
    const { user, session } = signedIn;
    request.auditActor = { kind: 'user', id: user.id, name: user.displayName, role: user.role };
    setSessionCookie(request, reply, sessionConfig, session.id);
    return { user: publicUser(user), csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAt).toISOString() };
  });

  app.post('/auth/logout', {
    config: { whilePasswordChangeRequired: true },
    schema: {
      tags, summary: 'Sign out: ends this session in Redis (every API replica) and clears the cookie',
      response: { 204: Type.Null() },
    },
  }, async (request, reply) => {
    callerOf(request);
    // Nothing to send: no body, or `{}` (what the console posts); anything else is a client's mistake.
    const body = request.body as unknown;
    if (body !== undefined && !(body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)) {
      throw new ValidationError('body must be empty or {}', [{ field: 'body', message: 'must be empty or {}' }]);
    }
    const session = request.accountSession;
    if (session) await accounts.sessions.end(session.idHash, session.record.userId);
    clearSessionCookie(request, reply, sessionConfig);
    return reply.status(204).send(null);
  });

  app.get('/auth/me', {
    config: { whilePasswordChangeRequired: true },
    schema: { tags, summary: 'Who the caller is (user session, API key or bearer token), with the session\'s CSRF token', response: { 200: MeSchema } },
  }, async (request) => {
    const caller = callerOf(request);
    const session = request.accountSession;
    const user = caller.via === 'session' ? await accounts.users.get(caller.sub) : undefined;
    // The name of what the caller is bound to (the console's top bar shows names, not ids).
    const bound = caller.customerId ? registry.get('customer', caller.customerId)
      : caller.stationId ? registry.get('station', caller.stationId)
        : caller.advisorId ? registry.get('advisor', caller.advisorId) : undefined;
    const scopeName = (await bound)?.name;
    return {
      sub: caller.sub,
      role: caller.role,
      ...(caller.customerId ? { customerId: caller.customerId } : {}),
      ...(caller.stationId ? { stationId: caller.stationId } : {}),
      ...(caller.advisorId ? { advisorId: caller.advisorId } : {}),
      ...(caller.name !== undefined ? { name: caller.name } : {}),
      ...(scopeName !== undefined ? { scopeName } : {}),
      via: caller.via ?? 'token',
      mustChangePassword: caller.mustChangePassword ?? false,
      ...(session ? { csrfToken: session.record.csrfToken } : {}),
      ...(user ? { user } : {}),
    };
  });

  app.post('/auth/password', {
    config: { whilePasswordChangeRequired: true },
    schema: {
      tags,
      summary: 'Change your own password (signed-in users): proves the current one; clears "must change password"',
      body: PasswordChangeBody,
      response: { 200: UserSchema },
    },
  }, async (request) => {
    const caller = callerOf(request);
    if (caller.via !== 'session') throw new DomainError('forbidden', 'only a signed-in user has a password to change');
    return accounts.users.changeOwnPassword(caller.sub, request.body.currentPassword, request.body.newPassword);
  });

  app.get('/auth/oidc/start', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Single sign-on: redirects to the identity provider (authorization code + PKCE); 404 when not configured',
      querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 500, description: 'Path on this site to come back to, e.g. /#/queue' })) }),
      response: { 302: Type.Null({ description: 'Redirect to the identity provider' }) },
    },
  }, async (request, reply) => {
    if (!accounts.singleSignOn) throw new DomainError('not_found', 'single sign-on is not configured (OIDC_ISSUER)');
    const { url, state } = await accounts.singleSignOn.start(request.query.returnTo);
    reply.header('set-cookie', cookieHeader(request, sessionConfig, OIDC_STATE_COOKIE, state, { maxAgeS: 600, path: OIDC_PATH }));
    return reply.redirect(url, 302);
  });

  app.get('/auth/oidc/callback', {
    config: { public: true, audited: true },
    schema: {
      tags,
      summary: 'Single sign-on: the identity provider\'s redirect back; sets the session cookie and redirects into the console',
      querystring: Type.Object({}, { additionalProperties: Type.String({ maxLength: 4096 }) }),
      response: { 303: Type.Null({ description: 'Redirect to the page the sign-in started from' }) },
    },
  }, async (request, reply) => {
    if (!accounts.singleSignOn) throw new DomainError('not_found', 'single sign-on is not configured (OIDC_ISSUER)');
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    const { user, session, returnTo } = await accounts.singleSignOn.finish(query, cookieOf(request, OIDC_STATE_COOKIE), request.ip);
    request.auditActor = { kind: 'user', id: user.id, name: user.displayName, role: user.role };
    reply.header('set-cookie', [
      cookieHeader(request, sessionConfig, SESSION_COOKIE, session.id, { maxAgeS: sessionConfig.absoluteLifetimeS }),
      cookieHeader(request, sessionConfig, OIDC_STATE_COOKIE, '', { maxAgeS: 0, path: OIDC_PATH }),
    ]);
    return reply.redirect(returnTo, 303);
  });
};

export default authRoutes;
