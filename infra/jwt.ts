// Bearer tokens: HS256 with JWT_SECRET, and optionally RS256 tokens from an external identity provider
// (JWT_PUBLIC_KEY, SPKI PEM). The same code signs operator tokens (scripts/token.ts) and verifies them (API).
import { SignJWT, importSPKI, jwtVerify, type JWTPayload, type KeyLike } from 'jose';
import { callerFromClaims, type Caller, type Role } from '../core/auth.ts';
import { DomainError } from '../core/errors.ts';
import { ConfigError, optionalString, requireString, type Env } from './config.ts';

export interface JwtConfig {
  readonly secret: string;
  readonly publicKeyPem?: string;
  readonly audience?: string;
  readonly issuer?: string;
}

export function readJwtConfig(env: Env): JwtConfig {
  const secret = requireString(env, 'JWT_SECRET');
  if (secret.length < 32) throw new ConfigError('JWT_SECRET', `must be at least 32 characters (got ${secret.length})`);
  const publicKeyPem = optionalString(env, 'JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n');
  if (publicKeyPem !== undefined && !publicKeyPem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new ConfigError('JWT_PUBLIC_KEY', 'must be an RS256 public key in SPKI PEM form (-----BEGIN PUBLIC KEY-----)');
  }
  const audience = optionalString(env, 'JWT_AUDIENCE');
  const issuer = optionalString(env, 'JWT_ISSUER');
  return {
    secret,
    ...(publicKeyPem !== undefined ? { publicKeyPem } : {}),
    ...(audience !== undefined ? { audience } : {}),
    ...(issuer !== undefined ? { issuer } : {}),
  };
}

export interface TokenClaims {
  sub: string;
  role: Role;
  customerId?: string;
  stationId?: string;
  advisorId?: string;
}

/** Signs an HS256 token; `ttl` is a jose duration such as `12h` or `30d`. */
export async function signToken(config: JwtConfig, claims: TokenClaims, ttl = '12h'): Promise<string> {
  const { sub, ...rest } = claims;
  let jwt = new SignJWT({ ...rest }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(sub).setIssuedAt().setExpirationTime(ttl);
  if (config.audience) jwt = jwt.setAudience(config.audience);
  if (config.issuer) jwt = jwt.setIssuer(config.issuer);
  return jwt.sign(new TextEncoder().encode(config.secret));
}

export interface TokenVerifier {
  /** Resolves the caller of a raw bearer token, or throws DomainError('unauthenticated'). */
  verify(token: string): Promise<Caller>;
}

export async function createTokenVerifier(config: JwtConfig): Promise<TokenVerifier> {
  const hmacKey = new TextEncoder().encode(config.secret);
  let rsaKey: KeyLike | undefined;
  if (config.publicKeyPem) {
    try {
      rsaKey = await importSPKI(config.publicKeyPem, 'RS256');
    } catch (err) {
      throw new ConfigError('JWT_PUBLIC_KEY', `is not a usable RS256 public key (${(err as Error).message})`);
    }
  }
  const algorithms = rsaKey ? ['HS256', 'RS256'] : ['HS256'];
  const options = {
    algorithms,
    ...(config.audience ? { audience: config.audience } : {}),
    ...(config.issuer ? { issuer: config.issuer } : {}),
  };
  // Verified tokens, so a client's requests cost one signature check per token rather than per request.
  // Sound because a token's verdict depends only on its bytes and the clock (exp/nbf are rechecked).
  const verified = new Map<string, { caller: Caller; expMs: number; nbfMs: number }>();
  const CACHE_MAX = 10_000;
  return {
    async verify(token: string): Promise<Caller> {
      const hit = verified.get(token);
      if (hit) {
        const now = Date.now();
        if (now < hit.expMs && now >= hit.nbfMs) return hit.caller;
        verified.delete(token);
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, (header) => (header.alg === 'RS256' && rsaKey ? rsaKey : hmacKey), options));
      } catch (err) {
        const code = (err as { code?: string }).code;
        const why = code === 'ERR_JWT_EXPIRED' ? 'token expired' : 'invalid token';
        throw new DomainError('unauthenticated', why);
      }
      if (payload.exp === undefined) throw new DomainError('unauthenticated', 'token has no expiry (exp)');
      const caller = callerFromClaims(payload as Record<string, unknown>);
      if (verified.size >= CACHE_MAX) verified.clear();
      verified.set(token, { caller, expMs: payload.exp * 1000, nbfMs: (payload.nbf ?? 0) * 1000 });
      return caller;
    },
  };
}
