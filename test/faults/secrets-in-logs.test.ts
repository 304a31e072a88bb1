// Secrets never reach the logs (docs/reliability.md): the real API and ingester processes run at LOG_LEVEL=trace,
// are given requests with bearer tokens and broker credentials, refuse a bad token, and shut down;
// none of the secrets appears anywhere in what they printed.
import { describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local-services.ts';
import { signToken } from '../../infra/jwt.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { spawnService } from '../harness/processes.ts';

const services = testServices('secretlogs');
const JWT_SECRET = 'log-test-jwt-secret-0123456789-abcdefgh';

describe('secrets never logged', () => {
  it('the API and the ingester print no token, JWT secret or broker password at trace level', async () => {
    const port = await freePort();
    const env = services.env({
      LOG_LEVEL: 'trace',
      JWT_SECRET,
      API_PORT: String(port),
      API_HOST: '127.0.0.1',
      MQTT_USERNAME: services.accounts.ops.username,
      MQTT_PASSWORD: services.accounts.ops.password,
    });
    const api = spawnService('api/main.ts', env);
    const ingest = spawnService('ingest/main.ts', {
      ...env,
      MQTT_USERNAME: services.accounts.ingester.username,
      MQTT_PASSWORD: services.accounts.ingester.password,
      INGEST_CLIENT_ID: `secretlogs-${services.namespace}`,
      INGEST_SPOOL_DIR: `/tmp/${services.namespace}-spool`,
      INGEST_METRICS_PORT: '0',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(() => fetch(`${base}/health`).then((r) => r.status === 200, () => false), { timeoutMs: 60_000, what: 'the API to listen' });
      const token = await signToken({ secret: JWT_SECRET }, { sub: 'log-test-admin', role: 'admin' });
      expect((await fetch(`${base}/v1/stations`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      const forged = `${token.slice(0, -6)}AAAAAA`;
      expect((await fetch(`${base}/v1/stations`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
      await waitFor(() => ingest.output().includes('"ingester started"'), { timeoutMs: 60_000, what: 'the ingester to start' });
    } finally {
      api.kill('SIGTERM');
      ingest.kill('SIGTERM');
      await Promise.all([api.exited(), ingest.exited()]);
    }
    const printed = api.output() + ingest.output();
    // The trace logs did record the requests (so the check below looks at real request logs)...
    expect(printed).toContain('/v1/stations');
    // ...and no secret, nor any part of a token's signature, is in them.
    for (const secret of [JWT_SECRET, services.accounts.ops.password, services.accounts.ingester.password]) {
      expect(printed).not.toContain(secret);
    }
    expect(printed).not.toMatch(/Bearer\s+ey/);
    expect(printed).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});
