// The signed-in caller: the bearer token pasted once, kept in sessionStorage (gone when the tab closes),
// and the claims read from it. The browser does not verify the signature: the API does, on every call;
// the claims only decide which views to show.
export const ROLES = ['admin', 'agent', 'advisor', 'customer', 'station'] as const;
export type Role = (typeof ROLES)[number];

export interface Claims {
  readonly sub: string;
  readonly role: Role;
  readonly customerId?: string;
  readonly stationId?: string;
  readonly advisorId?: string;
  /** Expiry, epoch seconds. */
  readonly exp?: number;
}

export interface Session {
  readonly token: string;
  readonly claims: Claims;
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

export function loadSession(): Session | undefined {
  const token = sessionStorage.getItem(STORAGE_KEY);
  if (!token) return undefined;
  try {
    return { token, claims: readClaims(token) };
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
    return undefined;
  }
}

export function startSession(rawToken: string): Session {
  const token = rawToken.trim().replace(/^Bearer\s+/i, '');
  const claims = readClaims(token);
  sessionStorage.setItem(STORAGE_KEY, token);
  return { token, claims };
}

export function endSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
