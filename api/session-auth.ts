// Sign-in sessions over HTTP: the session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS), and CSRF
// protection for state-changing requests that a cookie authenticates. Such a request must (1) come from
// this site — an Origin (or Sec-Fetch-Site) naming another site is refused — and (2) echo the session's
// synchronizer token in X-CSRF-Token, which a page of another site cannot read. Bearer requests (API
// keys, JWTs) need neither: a browser never attaches an Authorization header on its own.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors.ts';
import type { LiveSession } from '../accounts/sessions.ts';
import type { SessionConfig } from '../infra/accounts-config.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The sign-in session of a cookie-authenticated request. */
    accountSession?: LiveSession;
  }
  interface FastifyContextConfig {
    /** Reachable by a user who must change their password first (me, logout, change password). */
    whilePasswordChangeRequired?: boolean;
  }
}

export const SESSION_COOKIE = 'fr_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** Refuses a request another site made the browser send: its Origin (or Sec-Fetch-Site) names another site. */
export function requireSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host === undefined || host !== request.headers.host) {
      throw new DomainError('csrf_rejected', 'this request came from another site and was refused (cross-site request forgery protection)');
    }
    return;
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new DomainError('csrf_rejected', 'this request came from another site and was refused (cross-site request forgery protection)');
  }
}

/** CSRF check of a cookie-authenticated state-changing request (see the file comment). */
export function requireCsrfToken(request: FastifyRequest, session: LiveSession): void {
  requireSameOrigin(request);
  const sent = request.headers[CSRF_HEADER];
  const expected = Buffer.from(session.record.csrfToken);
  const actual = Buffer.from(typeof sent === 'string' ? sent : '');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new DomainError('csrf_rejected', `a request signed in by cookie must send the session's CSRF token in ${CSRF_HEADER} (from POST /v1/auth/login or GET /v1/auth/me)`);
  }
}

function secure(request: FastifyRequest, config: SessionConfig): boolean {
  return config.cookieSecure === 'always' || (config.cookieSecure === 'auto' && request.protocol === 'https');
}

export function cookieHeader(request: FastifyRequest, config: SessionConfig, name: string, value: string, opts: { maxAgeS: number; path?: string }): string {
  return [
    `${name}=${value}`,
    `Path=${opts.path ?? '/'}`,
    `Max-Age=${opts.maxAgeS}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure(request, config) ? ['Secure'] : []),
  ].join('; ');
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, config: SessionConfig, sessionId: string): void {
  reply.header('set-cookie', cookieHeader(request, config, SESSION_COOKIE, sessionId, { maxAgeS: config.absoluteLifetimeS }));
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, config: SessionConfig): void {
  reply.header('set-cookie', cookieHeader(request, config, SESSION_COOKIE, '', { maxAgeS: 0 }));
}
