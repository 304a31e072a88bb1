// Prometheus metrics of one app instance (own registry, so several apps in one process never collide).
// The registry is decorated on the app as `prometheus`, so a route area can add the families it owns.
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { MetricFamily, MetricSample } from '../infra/rescue-metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The registry behind `GET /metrics`. */
    prometheus: Registry;
  }
}

export function installMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  app.decorate('prometheus', registry);
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'http_errors_total',
    help: 'HTTP answers with status ≥ 400 by route pattern and error code',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: VINs and ids would explode the label cardinality.
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    duration.observe({ method: request.method, route, status }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 400) errors.inc({ route, status });
  });
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
  return registry;
}

/**
 * Adds metric families whose samples live elsewhere (Redis) and are read at scrape time, so `/metrics` can
 * never drift from their source: no second count is kept in this process. One `read` per scrape serves
 * every family (the registry asks all families at once). When `read` fails the families answer no
 * samples and `onError` is told: a Redis outage must not take the process metrics down with it.
 */
export function addScrapedFamilies<N extends string>(
  registry: Registry,
  families: ReadonlyArray<MetricFamily & { readonly name: N }>,
  read: () => Promise<Readonly<Record<N, readonly MetricSample[]>>>,
  onError: (err: unknown) => void,
): void {
  let scrape: Promise<Readonly<Record<N, readonly MetricSample[]>> | undefined> | undefined;
  const current = () => (scrape ??= read()
    .catch((err: unknown) => { onError(err); return undefined; })
    .finally(() => { scrape = undefined; }));
  for (const family of families) {
    // prom-client's registry takes any object with a name and `get()` (its own metric classes are such
    // objects); its Histogram and Counter cannot be set from an outside count, so the families are plain.
    const metric = {
      name: family.name,
      help: family.help,
      type: family.type,
      aggregator: 'sum',
      async get() {
        const samples = (await current())?.[family.name] ?? [];
        return {
          name: family.name, help: family.help, type: family.type, aggregator: 'sum',
          values: samples.map((s) => ({ metricName: s.name, labels: s.labels, value: s.value })),
        };
      },
    };
    registry.registerMetric(metric as unknown as Metric);
  }
}
