// API keys for integrations (admin only): created for one customer or station, shown once, revocable.
import { Type } from '@sinclair/typebox';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { ApiKeySchema, CreatedApiKeySchema, NewApiKeyBody } from '../account-schemas.ts';

const tags = ['accounts'];
const ADMIN = ['admin'] as const;

const apiKeyRoutes: RoutePlugin = async (app, { accounts }) => {
  app.get('/api-keys', {
    config: { roles: ADMIN },
    schema: { tags, summary: 'Every API key, with its scope and last use (never its secret)', response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }) } },
  }, async () => ({ items: await accounts.apiKeys.list() }));

  app.post('/api-keys', {
    config: { roles: ADMIN },
    schema: {
      tags,
      summary: 'Create an API key for a customer (customerId) or a station (stationId); the secret is in this answer only',
      description: 'The integration sends it as `Authorization: Bearer frk_…` and is scoped exactly like a user of that role.',
      body: NewApiKeyBody,
      response: { 201: CreatedApiKeySchema },
    },
  }, async (request, reply) => {
    const created = await accounts.apiKeys.create(request.body, callerOf(request).sub);
    request.auditObject = `api-keys/${created.key.id}`;
    return reply.status(201).send(created);
  });

  app.delete('/api-keys/:id', {
    config: { roles: ADMIN },
    schema: {
      tags,
      summary: 'Revoke an API key: refused from the next request on',
      params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) }),
      response: { 200: ApiKeySchema },
    },
  }, async (request) => accounts.apiKeys.revoke(request.params.id));
};

export default apiKeyRoutes;
