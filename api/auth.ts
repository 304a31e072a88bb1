// Bearer-token authentication for every route that is not marked `config: { public: true }`, and role
// checks declared per route as `config: { roles: [...] }`. The caller ends up on `request.caller`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireRole, type Caller, type Role } from '../core/auth.ts';
import { DomainError } from '../core/errors.ts';
import type { TokenVerifier } from '../infra/jwt.ts';

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
  }
}

export function installAuth(app: FastifyInstance, verifier: TokenVerifier): void {
  app.decorateRequest('caller', undefined);

  app.addHook('onRoute', (route) => {
    if (route.config?.public) return;
    // Document the bearer requirement in the OpenAPI document.
    route.schema = { ...(route.schema ?? {}), security: [{ bearerAuth: [] }] } as typeof route.schema;
  });

  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (config.public || request.routeOptions.url === undefined) return;
    const header = request.headers.authorization;
    if (!header) throw new DomainError('unauthenticated', 'missing bearer token (Authorization: Bearer <jwt>)');
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
    if (!match) throw new DomainError('unauthenticated', 'Authorization header must be "Bearer <jwt>"');
    request.caller = await verifier.verify(match[1]!);
    if (config.roles) requireRole(request.caller, config.roles);
  });
}

/** The caller of an authenticated route. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new DomainError('unauthenticated', 'missing bearer token');
  return request.caller;
}
