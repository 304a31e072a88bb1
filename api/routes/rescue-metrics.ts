// Rescue metrics as Prometheus text at `/v1/rescue-metrics`, and the same families on the API's `/metrics`,
// both read from Redis at scrape time from one source (infra/rescue-metrics.ts), so they cannot drift.
import { RESCUE_METRIC_FAMILIES } from '../../infra/rescue-metrics.ts';
import type { RoutePlugin } from '../context.ts';
import { addScrapedFamilies } from '../metrics.ts';

const rescueMetricRoutes: RoutePlugin = async (app, ctx) => {
  const metrics = ctx.rescueMetrics;
  addScrapedFamilies(app.prometheus, RESCUE_METRIC_FAMILIES, metrics.collect, (err) => app.log.warn({ err }, 'rescue metrics unavailable for /metrics'));

  app.get('/rescue-metrics', {
    config: { public: true },
    schema: { hide: true },
  }, async (_request, reply) => reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await metrics.render()));
};

export default rescueMetricRoutes;
