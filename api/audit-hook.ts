// Records every state-changing request in the audit trail once it is answered: who, what, which object,
// when, from where and the outcome. Bodies are never recorded (they may hold passwords).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditActor, AuditOutcome, AuditTrail } from '../accounts/audit-trail.ts';
import { isStateChanging } from './session-auth.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Record this route in the audit trail even though its method is GET (a single sign-on callback signs in). */
    audited?: boolean;
  }
  interface FastifyRequest {
    /** `<area>/<id>` of the object acted on, when the route's parameters do not name it (e.g. a created user). */
    auditObject?: string;
    /** The actor when the request had no caller yet (a sign-in names the user it signed in). */
    auditActor?: AuditActor;
  }
}

function actorOf(request: FastifyRequest): AuditActor {
  const caller = request.caller;
  if (!caller) return request.auditActor ?? { kind: 'anonymous' };
  const kind = caller.via === 'session' ? 'user' : caller.via === 'api-key' ? 'api-key' : 'token';
  return { kind, id: caller.sub, role: caller.role, ...(caller.name !== undefined ? { name: caller.name } : {}) };
}

/** `rescues/<id>` for `/v1/rescues/:id/cancel`: the area after the version and the first path parameter. */
function objectOf(request: FastifyRequest): string | undefined {
  if (request.auditObject) return request.auditObject;
  const url = request.routeOptions.url ?? '';
  const segments = url.split('/').filter(Boolean);
  const area = segments[0] === 'v1' ? segments[1] : segments[0];
  const param = segments.find((s) => s.startsWith(':'));
  const value = param ? (request.params as Record<string, unknown> | undefined)?.[param.slice(1)] : undefined;
  return area && typeof value === 'string' ? `${area}/${value}` : undefined;
}

function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'ok';
  return status === 401 || status === 403 || status === 429 ? 'refused' : 'failed';
}

export function installAuditTrail(app: FastifyInstance, audit: Pick<AuditTrail, 'record'>): void {
  app.decorateRequest('auditObject', undefined);
  app.decorateRequest('auditActor', undefined);
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === undefined) return;
    if (!isStateChanging(request.method) && !request.routeOptions.config.audited) return;
    const object = objectOf(request);
    try {
      await audit.record({
        actor: actorOf(request),
        action: `${request.method} ${request.routeOptions.url}`,
        ...(object !== undefined ? { object } : {}),
        outcome: outcomeOf(reply.statusCode),
        status: reply.statusCode,
        address: request.ip,
        requestId: String(request.id),
      });
    } catch (err) {
      request.log.error({ err }, 'audit trail: could not record a request');
    }
  });
}
