// What the ingester refused: the capped dead-letter list and the counts per reason (admin, agent), read through
// infra/ingest-dead-letters.ts.
import { Type } from '@sinclair/typebox';
import type { RoutePlugin } from '../context.ts';

const DeadLetter = Type.Object({
  at: Type.Union([Type.String(), Type.Number()]),
  reason: Type.String(),
  topic: Type.String(),
  vin: Type.Optional(Type.String()),
  detail: Type.String(),
  payload: Type.String({ description: 'The message as received (truncated by the ingester)' }),
});

const ingestRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/ingest/dead-letters', {
    config: { roles: ['admin', 'agent'] },
    schema: {
      tags: ['operations'],
      summary: 'Device messages the ingester refused, newest first, and the counts per reason',
      querystring: Type.Object(
        {
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          reason: Type.Optional(Type.String({ pattern: '^[a-z_]{1,40}$' })),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          counts: Type.Record(Type.String(), Type.Integer()),
          total: Type.Integer({ description: 'Entries in the capped list' }),
          items: Type.Array(DeadLetter),
        }),
      },
    },
  }, async (request) => {
    const offset = request.query.offset ?? 0;
    const limit = request.query.limit ?? 100;
    const reason = request.query.reason;
    return ctx.ingestDeadLetters.page({ offset, limit, ...(reason !== undefined ? { reason } : {}) });
  });
};

export default ingestRoutes;
