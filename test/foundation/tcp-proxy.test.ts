import { describe, expect, it } from 'vitest';
import { createRedis } from '../../infra/redis.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { startTcpProxy } from '../harness/tcp-proxy.ts';

const services = testServices('tcpproxy');

describe('fault-injection TCP proxy', () => {
  it('forwards, stalls, resumes and drops a real Redis connection', async () => {
    const target = new URL(services.redisUrl);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    const redis = createRedis({ redisMode: 'standalone', redisUrl: proxy.url('redis') }, 'worker');
    try {
      expect(await redis.ping()).toBe('PONG');
      expect(proxy.connections()).toBe(1);

      proxy.stall();
      let answered = false;
      const pending = redis.ping().then((r) => {
        answered = true;
        return r;
      });
      // While stalled, the command cannot complete: 50 round trips on a direct connection finish first.
      const direct = createRedis(services, 'fail-fast');
      for (let i = 0; i < 50; i++) await direct.ping();
      direct.disconnect();
      expect(answered).toBe(false);
      proxy.resume();
      expect(await pending).toBe('PONG');

      proxy.drop();
      // ioredis reconnects through the proxy and the next command succeeds.
      expect(await redis.ping()).toBe('PONG');
      await waitFor(() => proxy.connections() === 1, { what: 'reconnection through the proxy' });
    } finally {
      redis.disconnect();
      await proxy.close();
    }
  });
});
