// Liveness of the API and the state of each backing service. Public (no token), like /metrics.
import { Type } from '@sinclair/typebox';
import type { RoutePlugin } from '../context.ts';

const ServiceState = Type.Object({
  ok: Type.Boolean(),
  latencyMs: Type.Optional(Type.Number()),
  error: Type.Optional(Type.String()),
});

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  services: Type.Object({ redis: ServiceState, influx: ServiceState, mqtt: ServiceState }),
});

async function probe(check: () => Promise<unknown>, timeoutMs: number) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    // The message names the failure (e.g. ECONNREFUSED), never credentials: URLs are not included.
    return { ok: false, error: err instanceof Error ? err.message.slice(0, 200) : 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

const healthRoutes: RoutePlugin = async (app, ctx) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'State of Redis, InfluxDB and MQTT. 200 while the API can serve (Redis up; status "degraded" when InfluxDB or MQTT is down), 503 when Redis is down',
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_request, reply) => {
      const timeoutMs = ctx.config.healthProbeTimeoutMs;
      const [redis, influx] = await Promise.all([probe(() => ctx.redis.ping(), timeoutMs), probe(async () => {
        if (!(await ctx.telemetry.ping())) throw new Error('no answer to ping');
      }, timeoutMs)]);
      const mqtt = ctx.mqtt.connected ? { ok: true } : { ok: false, error: 'not connected to the broker' };
      // Redis is the system of record: without it the API cannot answer anything. InfluxDB only serves tracks
      // and MQTT is not used by the API itself, so their loss degrades it without making it unavailable.
      const ok = redis.ok && influx.ok && mqtt.ok;
      return reply.status(redis.ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', services: { redis, influx, mqtt } });
    },
  );
};

export default healthRoutes;
