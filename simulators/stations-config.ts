// Environment of the station responder (read once in stations-cli.ts).
import { ConfigError, optionalString, type Env } from '../infra/config.ts';
import { readJwtConfig, type JwtConfig } from '../infra/jwt.ts';

export interface StationsEnvConfig {
  /** API_URL, else http://127.0.0.1:API_PORT (default 3000). */
  readonly apiUrl: string;
  /** API_TOKEN: an agent/admin token to list offers (and answer on behalf of stations without JWT_SECRET). */
  readonly apiToken: string | undefined;
  /** JWT_SECRET: lets the responder sign each station's own token (role station). */
  readonly jwt: JwtConfig | undefined;
}

export function readStationsEnvConfig(env: Env): StationsEnvConfig {
  const port = optionalString(env, 'API_PORT') ?? '3000';
  if (!/^\d{1,5}$/.test(port)) throw new ConfigError('API_PORT', `must be a port number (got "${port}")`);
  const apiUrl = optionalString(env, 'API_URL') ?? `http://127.0.0.1:${port}`;
  try {
    const url = new URL(apiUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new ConfigError('API_URL', `must be an http(s) URL (got "${apiUrl}")`);
  }
  const apiToken = optionalString(env, 'API_TOKEN');
  const jwt = optionalString(env, 'JWT_SECRET') !== undefined ? readJwtConfig(env) : undefined;
  if (apiToken === undefined && jwt === undefined) {
    throw new ConfigError('JWT_SECRET', 'or API_TOKEN is required (JWT_SECRET to act as each station, API_TOKEN = an agent/admin token)');
  }
  return { apiUrl, apiToken, jwt };
}
