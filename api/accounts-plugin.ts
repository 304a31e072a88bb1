// What the accounts area adds to the API, for app.ts: the audit hook on every state-changing request
// (installAuditTrail, right after installAuth and before any route, since Fastify binds hooks to the routes
// registered after them) and the routes under /v1 (users, auth, api-keys, audit). Authentication itself is
// api/auth.ts's installAuth with the accounts' credentials.
import type { FastifyInstance } from 'fastify';
import type { AccountServices } from '../accounts/services.ts';
import { installAuditTrail } from './audit-hook.ts';
import apiKeyRoutes from './routes/api-keys.ts';
import auditRoutes from './routes/audit.ts';
import authRoutes from './routes/auth.ts';
import userRoutes from './routes/users.ts';

export { installAuditTrail };

export async function registerAccountRoutes(app: FastifyInstance, accounts: AccountServices, prefix = '/v1'): Promise<void> {
  for (const plugin of [authRoutes, userRoutes, apiKeyRoutes, auditRoutes]) {
    await app.register(plugin, { accounts, prefix });
  }
}
