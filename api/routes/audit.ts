// The audit trail (admin only): who did what, to which object, when, from where, with what outcome.
import { Type } from '@sinclair/typebox';
import type { RoutePlugin } from '../context.ts';
import { AuditEntrySchema, AuditQuerySchema } from '../account-schemas.ts';

const auditRoutes: RoutePlugin = async (app, { accounts }) => {
  app.get('/audit', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['accounts'],
      summary: 'Query the audit trail by actor, object and time, newest first (admin)',
      description: 'Every state-changing request is recorded. Kept in a Redis Stream for AUDIT_RETENTION_DAYS, at most AUDIT_MAX_ENTRIES entries. '
        + '`next` is set when more entries may match: pass it as `before`.',
      querystring: AuditQuerySchema,
      response: { 200: Type.Object({ items: Type.Array(AuditEntrySchema), next: Type.Optional(Type.String()) }) },
    },
  }, async (request) => {
    const q = request.query;
    return accounts.audit.query({
      limit: q.limit,
      ...(q.userId !== undefined ? { userId: q.userId } : {}),
      ...(q.object !== undefined ? { object: q.object } : {}),
      ...(q.from !== undefined ? { fromMs: Date.parse(q.from) } : {}),
      ...(q.to !== undefined ? { toMs: Date.parse(q.to) } : {}),
      ...(q.before !== undefined ? { before: q.before } : {}),
    });
  });
};

export default auditRoutes;
