// The signed-in caller. People sign in with username and password (or single sign-on): the API keeps the
// session in an HttpOnly cookie the console never sees, and hands over a CSRF token that the API client
// sends back on every change. Operators may still paste a bearer token (JWT), kept in sessionStorage
// (gone when the tab closes). The claims only decide which views to show; the API checks every call.
export const ROLES = ['admin', 'agent', 'advisor', 'customer', 'station'] as const;
export type Role = (typeof ROLES)[number];

export interface Claims {
  readonly sub: string;
  readonly role: Role;
  readonly customerId?: string;
  readonly stationId?: string;
  readonly advisorId?: string;
  /** The person's display name (cookie sessions). */
  readonly name?: string;
  /** Name of the customer, station or advisor the caller is bound to (`GET /v1/auth/me`'s `scopeName`). */
  readonly scopeName?: string;
  /** Expiry, epoch seconds (tokens). */
  readonly exp?: number;
}

export interface Session {
  readonly claims: Claims;
  /** Bearer token, when an operator pasted one; absent for a cookie session. */
  readonly token?: string;
  /** CSRF token of a cookie session, sent as X-CSRF-Token on every state-changing request. */
  readonly csrfToken?: string;
  /** An administrator reset the password: the user must choose a new one first. */
  readonly mustChangePassword?: boolean;
}

/** A refused sign-in: the API's stable error code (translated by the login page) and its details. */
export class SignInError extends Error {
  constructor(readonly code: string, message: string, readonly retryAfterS?: number) {
    super(message);
  }
}

const STORAGE_KEY = 'fleet-console.token';

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Reads the claims of a JWT, or throws an Error that says what is wrong with it. */
export function readClaims(token: string): Claims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('this is not a JWT (expected three dot-separated parts)');
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(base64UrlDecode(parts[1]!)) as Record<string, unknown>;
  } catch {
    throw new Error('the token payload is not readable JSON');
  }
  const { sub, role, exp } = payload;
  if (typeof sub !== 'string' || !sub) throw new Error('the token has no subject (sub)');
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new Error(`the token role must be one of ${ROLES.join(', ')}`);
  }
  if (typeof exp === 'number' && exp * 1000 <= Date.now()) throw new Error('the token has expired');
  const pick = (k: string) => (typeof payload[k] === 'string' ? { [k]: payload[k] as string } : {});
  return {
    sub,
    role: role as Role,
    ...pick('customerId'),
    ...pick('stationId'),
    ...pick('advisorId'),
    ...(typeof exp === 'number' ? { exp } : {}),
  };
}

interface MeAnswer {
  sub: string;
  role: Role;
  customerId?: string;
  stationId?: string;
  advisorId?: string;
  name?: string;
  scopeName?: string;
  via: 'token' | 'session' | 'api-key';
  mustChangePassword: boolean;
  csrfToken?: string;
}

function sessionOfMe(me: MeAnswer): Session {
  const claims: Claims = {
    sub: me.sub,
    role: me.role,
    ...(me.customerId ? { customerId: me.customerId } : {}),
    ...(me.stationId ? { stationId: me.stationId } : {}),
    ...(me.advisorId ? { advisorId: me.advisorId } : {}),
    ...(me.name ? { name: me.name } : {}),
    ...(me.scopeName ? { scopeName: me.scopeName } : {}),
  };
  return { claims, ...(me.csrfToken ? { csrfToken: me.csrfToken } : {}), ...(me.mustChangePassword ? { mustChangePassword: true } : {}) };
}

async function postJson(path: string, body: unknown, csrfToken?: string): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(csrfToken ? { 'x-csrf-token': csrfToken } : {}) },
    body: JSON.stringify(body),
  });
}

async function refusal(response: Response): Promise<SignInError> {
  const e = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
  const retryAfter = Number(response.headers.get('retry-after'));
  return new SignInError(e.error ?? `http_${response.status}`, e.message ?? response.statusText, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
}

/** The session this tab already has: a pasted token, else the API's session cookie (GET /v1/auth/me). */
export async function loadSession(): Promise<Session | undefined> {
  const token = sessionStorage.getItem(STORAGE_KEY);
  if (token) {
    try {
      return { token, claims: readClaims(token) };
    } catch {
      sessionStorage.removeItem(STORAGE_KEY);
    }
  }
  try {
    const response = await fetch('/v1/auth/me', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!response.ok) return undefined;
    const me = (await response.json()) as MeAnswer;
    return me.via === 'session' ? sessionOfMe(me) : undefined;
  } catch {
    return undefined;
  }
}

/** Signs in with username and password; throws SignInError with the API's code when refused. */
export async function signIn(username: string, password: string): Promise<Session> {
  let response: Response;
  try {
    response = await postJson('/v1/auth/login', { username, password });
  } catch (err) {
    throw new SignInError('network', (err as Error).message);
  }
  if (!response.ok) throw await refusal(response);
  const answer = (await response.json()) as { user: { id: string; role: Role; customerId?: string; stationId?: string; advisorId?: string; displayName: string; mustChangePassword: boolean }; csrfToken: string };
  const u = answer.user;
  return sessionOfMe({
    sub: u.id, role: u.role, name: u.displayName, via: 'session', mustChangePassword: u.mustChangePassword, csrfToken: answer.csrfToken,
    ...(u.customerId ? { customerId: u.customerId } : {}),
    ...(u.stationId ? { stationId: u.stationId } : {}),
    ...(u.advisorId ? { advisorId: u.advisorId } : {}),
  });
}

/** Changes the signed-in user's password (required after an admin's reset). */
export async function changePassword(session: Session, currentPassword: string, newPassword: string): Promise<Session> {
  const response = await postJson('/v1/auth/password', { currentPassword, newPassword }, session.csrfToken);
  if (!response.ok) throw await refusal(response);
  const { mustChangePassword: _done, ...rest } = session;
  return rest;
}

/** Whether single sign-on is configured (the login page then shows its button). */
export async function singleSignOnEnabled(): Promise<boolean> {
  try {
    const response = await fetch('/v1/auth/options', { headers: { accept: 'application/json' } });
    return response.ok && ((await response.json()) as { singleSignOn?: boolean }).singleSignOn === true;
  } catch {
    return false;
  }
}

export function startSession(rawToken: string): Session {
  const token = rawToken.trim().replace(/^Bearer\s+/i, '');
  const claims = readClaims(token);
  sessionStorage.setItem(STORAGE_KEY, token);
  return { token, claims };
}

/** Signs out: ends the cookie session at the API (every replica) and forgets a pasted token. */
export async function endSession(session?: Session): Promise<void> {
  sessionStorage.removeItem(STORAGE_KEY);
  if (session && !session.token) {
    await postJson('/v1/auth/logout', {}, session.csrfToken).catch(() => undefined);
  }
}
