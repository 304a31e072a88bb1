// The Redis side of a batch against the real Redis: replaying an applied batch changes nothing (checkpoint
// guard), an older position never overwrites a newer one, and the DM1 diff yields added/cleared codes.
import { afterAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { parseLiveState } from '../../core/live-state.ts';
import type { FaultEvent } from '../../core/queues.ts';
import { createStateApplier } from '../../ingest/apply-state.ts';
import type { DecodedBatch } from '../../ingest/decode.ts';
import { createRedis } from '../../infra/redis.ts';
import { testServices } from '../harness/context.ts';
import { testVin } from './support.ts';

const services = testServices('applystate');
const redis = createRedis(services, 'fail-fast');
const keys = redisKeys(services.redisPrefix);
afterAll(() => redis.disconnect());

const vin = testVin(71);
const lampsOff = { mil: false, redStop: false, amberWarning: false, protect: false };

function batch(parts: Partial<DecodedBatch>): DecodedBatch {
  return { positions: [], dm1s: [], statuses: [], alarms: [], deadLetters: [], received: { position: 0, dm1: 0, status: 0, alarm: 0, other: 0 }, ...parts };
}

async function outbox(): Promise<FaultEvent[]> {
  return (await redis.xrange(keys.ingestOutbox, '-', '+')).map(([, f]) => JSON.parse(f[1]!) as FaultEvent);
}

describe('state applier', () => {
  const applier = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'a', spoolId: 'spool-1' });

  it('applies a batch once: a replay with the same checkpoint has no effect', async () => {
    const b = batch({
      positions: [{ vin, customerId: 'c', report: { ts: 2000, lat: 31, lon: 121, speedKmh: 50 }, receivedAt: 1 }],
      dm1s: [{ vin, customerId: 'c', report: { ts: 2000, lamps: { ...lampsOff, redStop: true }, dtcs: [{ spn: 110, fmi: 0, oc: 1 }] }, receivedAt: 1 }],
      deadLetters: [{ at: 'x', reason: 'bad_json', topic: 't', detail: 'd', payload: '{' }],
    });
    expect(await applier.apply(b, { segment: 1, offset: 100 }, 5000)).toEqual({ applied: true, positionsApplied: 1, faultEvents: 1 });
    expect(await applier.apply(b, { segment: 1, offset: 100 }, 6000)).toEqual({ applied: false, positionsApplied: 0, faultEvents: 0 });
    expect(await applier.apply(b, { segment: 1, offset: 50 }, 6000)).toMatchObject({ applied: false });
    expect(await redis.hget(keys.deadLetterCounts, 'bad_json')).toBe('1');
    expect(await outbox()).toHaveLength(1);
    expect(await redis.hgetall(keys.ingestCheckpoint('a'))).toMatchObject({ spoolId: 'spool-1', segment: '1', offset: '100' });
    // Another ingester's checkpoint is its own.
    const other = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'b', spoolId: 'spool-9' });
    expect(await other.apply(batch({}), { segment: 1, offset: 100 }, 6000)).toMatchObject({ applied: true });
  });

  it('keeps the newest by device time and diffs DM1 snapshots', async () => {
    const older = batch({
      positions: [{ vin, customerId: 'c', report: { ts: 1500, lat: 10, lon: 10, speedKmh: 1 }, receivedAt: 2 }],
      dm1s: [{ vin, customerId: 'c', report: { ts: 1000, lamps: lampsOff, dtcs: [] }, receivedAt: 2 }],
    });
    expect(await applier.apply(older, { segment: 2, offset: 10 }, 7000)).toMatchObject({ applied: true, positionsApplied: 0, faultEvents: 0 });
    const next = batch({
      dm1s: [{ vin, customerId: 'c', report: { ts: 3000, lamps: { ...lampsOff, amberWarning: true }, dtcs: [{ spn: 100, fmi: 18, oc: 2 }] }, receivedAt: 3 }],
    });
    expect(await applier.apply(next, { segment: 2, offset: 20 }, 8000)).toMatchObject({ faultEvents: 1 });
    const events = await outbox();
    expect(events.at(-1)).toMatchObject({
      id: `${vin}-3000`, severity: 'warning', added: [{ spn: 100, fmi: 18, oc: 2 }], cleared: [{ spn: 110, fmi: 0, oc: 1 }],
    });
    const live = parseLiveState(vin, await redis.hgetall(keys.live(vin)));
    expect(live).toMatchObject({ ts: 2000, lat: 31, speedKmh: 50, dm1Ts: 3000, severity: 'warning', lastSeen: 8000 });
  });
});
