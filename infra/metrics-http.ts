// The small HTTP endpoint of a process without an API: GET /metrics (Prometheus text of its registry) and,
// when the process has one, GET /health (200 while healthy, else 503). Used by ingest and the gateway.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export type HealthCheck = () => { ok: boolean; detail: Record<string, unknown> };

export function serveMetrics(registry: Registry, port: number, host = '0.0.0.0', health?: HealthCheck): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    if (health && req.method === 'GET' && req.url === '/health') {
      const { ok, detail } = health();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable', ...detail }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
