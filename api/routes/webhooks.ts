// Customer webhooks over HTTP: the deliveries that failed their last retry (a customer sees its own).
import { Type } from '@sinclair/typebox';
import { callerOf } from '../auth.ts';
import type { RoutePlugin } from '../context.ts';
import { DeadLetterSchema } from '../rescue-schemas.ts';

const tags = ['rescues'];

const webhookRoutes: RoutePlugin = async (app, ctx) => {
  const webhooks = ctx.webhooks;

  app.get('/rescues/webhook-dead-letters', {
    config: { roles: ['admin', 'agent', 'customer'] },
    schema: {
      tags, summary: 'Webhook deliveries that failed their last retry (a customer sees its own)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(DeadLetterSchema) }) },
    },
  }, async (request) => {
    const caller = callerOf(request);
    return { items: await webhooks.listDeadLetters(request.query.limit ?? 100, caller.role === 'customer' ? caller.customerId : undefined) };
  });
};

export default webhookRoutes;
