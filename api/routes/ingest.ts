// What the ingester refused: the capped dead-letter list and the counts per reason (admin, agent).
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
    // With a reason filter, scan a bounded window of the capped list.
    const window = reason ? 10_000 : limit;
    const [rawCounts, total, rows] = await Promise.all([
      ctx.redis.hgetall(ctx.keys.deadLetterCounts),
      ctx.redis.llen(ctx.keys.deadLetters),
      ctx.redis.lrange(ctx.keys.deadLetters, reason ? 0 : offset, (reason ? 0 : offset) + window - 1),
    ]);
    const counts = Object.fromEntries(Object.entries(rawCounts).map(([k, v]) => [k, Number(v) || 0]));
    const parsed = rows.flatMap((json) => {
      try {
        const d = JSON.parse(json) as Record<string, unknown>;
        return [{
          at: typeof d.at === 'number' || typeof d.at === 'string' ? d.at : '',
          reason: String(d.reason ?? 'unknown'),
          topic: String(d.topic ?? ''),
          ...(typeof d.vin === 'string' ? { vin: d.vin } : {}),
          detail: String(d.detail ?? ''),
          payload: typeof d.payload === 'string' ? d.payload : JSON.stringify(d.payload ?? null),
        }];
      } catch {
        return [];
      }
    });
    const items = reason ? parsed.filter((d) => d.reason === reason).slice(offset, offset + limit) : parsed;
    return { counts, total, items };
  });
};

export default ingestRoutes;
