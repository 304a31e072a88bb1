// The API process's configuration (read once in api/main.ts).
import { optionalString, requireInt, type Env } from '../infra/config.ts';

export interface ApiConfig {
  readonly port: number;
  readonly host: string;
  /** Requests per caller per window (token subject, or client IP when there is no token). */
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
}

export function readApiConfig(env: Env): ApiConfig {
  return {
    port: requireInt(env, 'API_PORT', { fallback: 3000, min: 0, max: 65535 }),
    host: optionalString(env, 'API_HOST') ?? '0.0.0.0',
    rateLimitMax: requireInt(env, 'API_RATE_LIMIT_MAX', { fallback: 600, min: 1 }),
    rateLimitWindowMs: requireInt(env, 'API_RATE_LIMIT_WINDOW_MS', { fallback: 60_000, min: 1000 }),
  };
}
