// coalesceWrites: the commands of one event-loop turn leave in one socket write, replies stay matched to
// their commands, and a reconnected socket is coalesced too.
import { afterAll, describe, expect, it } from 'vitest';
import { coalesceWrites, createRedis } from '../../infra/redis.ts';
import { testServices, waitFor } from '../harness/context.ts';

const services = testServices('coalesce');
const redis = createRedis(services, 'fail-fast');
coalesceWrites(redis);
afterAll(() => redis.disconnect());

type Socketish = { writableCorked: number; writableLength: number };
const socket = () => (redis as unknown as { stream: Socketish }).stream;

describe('coalesceWrites', () => {
  it('holds the commands of a turn in the corked socket and sends them together, with the right replies', async () => {
    await redis.ping();
    const key = (i: number) => `${services.redisPrefix}:c:${i}`;
    const sets = Array.from({ length: 500 }, (_, i) => redis.set(key(i), `v${i}`));
    // Everything written in this turn is still in the process, in one corked socket buffer.
    expect(socket().writableCorked).toBe(1);
    expect(socket().writableLength).toBeGreaterThan(500 * 20);
    await Promise.all(sets);
    expect(socket().writableCorked).toBe(0);
    const values = await Promise.all(Array.from({ length: 500 }, (_, i) => redis.get(key(i))));
    expect(values).toEqual(Array.from({ length: 500 }, (_, i) => `v${i}`));
  });

  it('coalesces the new socket after a reconnect', async () => {
    const before = socket();
    redis.disconnect(true);
    await waitFor(() => redis.status === 'ready' && socket() !== before, { what: 'reconnected' });
    const pending = redis.incr(`${services.redisPrefix}:after-reconnect`);
    expect(socket().writableCorked).toBe(1);
    expect(await pending).toBe(1);
  });
});
