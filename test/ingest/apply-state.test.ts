// The Redis side of a batch against the real Redis (standalone or cluster): replaying an applied batch changes
// nothing (checkpoint guard), an older position never overwrites a newer one, the DM1 diff yields added/cleared
// codes, a crash between any two steps loses no effect, the GEO index of a truck's region (per province) follows it
// from region to region, and a late GEO write from a racing ingester never moves a truck back, nor back into a
// region it left.
import { afterAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { parseLiveState } from '../../core/live-state.ts';
import type { FaultEvent } from '../../core/queues.ts';
import { createStateApplier } from '../../ingest/apply-state.ts';
import type { DecodedBatch } from '../../ingest/decode.ts';
import { geoIndexRegion, OUTSIDE_REGIONS } from '../../core/regions.ts';
import { createRedis } from '../../infra/redis.ts';
import { loadProvinceLocator } from '../../ingest/province-locator.ts';
import { testServices } from '../harness/context.ts';
import { testVin } from './support.ts';

const services = testServices('applystate');
const redis = createRedis(services, 'fail-fast');
const keys = redisKeys(services.redisPrefix);
afterAll(() => redis.disconnect());

const vin = testVin(71);
const lampsOff = { mil: false, redStop: false, amberWarning: false, protect: false };
const regions = loadProvinceLocator();
const SHANGHAI = { lat: 31.23, lon: 121.47 };
const BEIJING = { lat: 39.9, lon: 116.4 };
const SHANGHAI_REGION = '310000';
const BEIJING_REGION = '110000';

/** The regions whose GEO index holds `vin`. */
async function indexedIn(vin: string, candidates: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const region of candidates) if ((await redis.zscore(keys.liveGeo(region), vin)) !== null) found.push(region);
  return found;
}

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

  /** The client with one step's script (`fleetIngestGeo`: the GEO step; `fleetIngestControl`: streams and
   *  checkpoint) replaced, at its first call, by `step`. */
  function interceptOnce(command: 'fleetIngestGeo' | 'fleetIngestControl', step: (run: () => Promise<unknown>) => Promise<unknown>) {
    let intercepted = false;
    return new Proxy(redis, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (name !== command || intercepted || typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          intercepted = true;
          return step(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        };
      },
    });
  }

  it('a crash after the vehicles were written and before the checkpoint loses nothing: the replay emits the same effects once', async () => {
    const crashVin = testVin(72);
    const crashing = createStateApplier({
      redis: interceptOnce('fleetIngestControl', () => Promise.reject(new Error('process died'))), prefix: services.redisPrefix, clientId: 'crash', spoolId: 'spool-c',
    });
    const b = batch({
      positions: [{ vin: crashVin, customerId: 'c', report: { ts: 5000, lat: 30, lon: 120 }, receivedAt: 1 }],
      dm1s: [
        { vin: crashVin, customerId: 'c', report: { ts: 4000, lamps: { ...lampsOff, amberWarning: true }, dtcs: [{ spn: 100, fmi: 1, oc: 1 }] }, receivedAt: 1 },
        { vin: crashVin, customerId: 'c', report: { ts: 5000, lamps: { ...lampsOff, redStop: true }, dtcs: [{ spn: 110, fmi: 0, oc: 1 }] }, receivedAt: 1 },
      ],
    });
    const before = (await outbox()).length;
    await expect(crashing.apply(b, { segment: 1, offset: 10 }, 9000)).rejects.toThrow('process died');
    expect((await outbox()).length).toBe(before);
    expect(await redis.hget(keys.live(crashVin), 'ts')).toBe('5000');

    const restarted = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'crash', spoolId: 'spool-c' });
    expect(await restarted.apply(b, { segment: 1, offset: 10 }, 9500)).toEqual({ applied: true, positionsApplied: 1, faultEvents: 2 });
    const emitted = (await outbox()).slice(before);
    expect(emitted.map((e) => e.id)).toEqual([`${crashVin}-4000`, `${crashVin}-5000`]);
    expect(emitted[1]).toMatchObject({ added: [{ spn: 110, fmi: 0, oc: 1 }], cleared: [{ spn: 100, fmi: 1, oc: 1 }] });
    expect(await redis.zscore(keys.liveGeo(geoIndexRegion(regions, 30, 120)), crashVin)).not.toBeNull();
    // Checkpointed now: once more is nothing.
    expect(await restarted.apply(b, { segment: 1, offset: 10 }, 9600)).toMatchObject({ applied: false });
    expect((await outbox()).length).toBe(before + 2);
  });

  it('two ingesters racing on one truck: the GEO index keeps the newest position even when the older write lands last', async () => {
    const raceVin = testVin(73);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reachedControl!: () => void;
    const atControl = new Promise<void>((resolve) => (reachedControl = resolve));
    const slow = createStateApplier({
      redis: interceptOnce('fleetIngestGeo', async (run) => {
        reachedControl();
        await held;
        return run();
      }),
      prefix: services.redisPrefix, clientId: 'slow', spoolId: 'spool-s',
    });
    const fast = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'fast', spoolId: 'spool-f' });
    const older = slow.apply(batch({ positions: [{ vin: raceVin, customerId: 'c', report: { ts: 1000, lat: 10, lon: 10 }, receivedAt: 1 }] }), { segment: 1, offset: 1 }, 1);
    await atControl;
    await fast.apply(batch({ positions: [{ vin: raceVin, customerId: 'c', report: { ts: 2000, lat: 20, lon: 20 }, receivedAt: 1 }] }), { segment: 1, offset: 1 }, 2);
    release();
    await older;
    const [[lon, lat]] = (await redis.geopos(keys.liveGeo(OUTSIDE_REGIONS), raceVin)) as [[string, string]];
    expect([Math.round(Number(lon)), Math.round(Number(lat))]).toEqual([20, 20]);
    expect(await redis.hget(keys.live(raceVin), 'ts')).toBe('2000');
  });

  it('a truck moving to another region leaves the old region\'s GEO index, also when a replay repeats the older position', async () => {
    expect([geoIndexRegion(regions, SHANGHAI.lat, SHANGHAI.lon), geoIndexRegion(regions, BEIJING.lat, BEIJING.lon)]).toEqual([SHANGHAI_REGION, BEIJING_REGION]);
    const moveVin = testVin(74);
    const applier = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'move', spoolId: 'spool-m' });
    const inShanghai = batch({ positions: [{ vin: moveVin, customerId: 'c', report: { ts: 1000, ...SHANGHAI }, receivedAt: 1 }] });
    await applier.apply(inShanghai, { segment: 1, offset: 1 }, 1);
    expect(await indexedIn(moveVin, [SHANGHAI_REGION, BEIJING_REGION])).toEqual([SHANGHAI_REGION]);
    await applier.apply(batch({ positions: [{ vin: moveVin, customerId: 'c', report: { ts: 2000, ...BEIJING }, receivedAt: 1 }] }), { segment: 1, offset: 2 }, 2);
    expect(await indexedIn(moveVin, [SHANGHAI_REGION, BEIJING_REGION, OUTSIDE_REGIONS])).toEqual([BEIJING_REGION]);
    expect(await redis.hget(keys.liveGeoTs(SHANGHAI_REGION), moveVin)).toBe('2000');
    expect(await redis.hget(keys.live(moveVin), 'geoRegion')).toBe(BEIJING_REGION);
    // The Shanghai batch again under another spool (another ingester's redelivery): older, so nothing moves back.
    const other = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'move-2', spoolId: 'spool-m2' });
    expect(await other.apply(inShanghai, { segment: 1, offset: 1 }, 3)).toMatchObject({ applied: true, positionsApplied: 0 });
    expect(await indexedIn(moveVin, [SHANGHAI_REGION, BEIJING_REGION])).toEqual([BEIJING_REGION]);
    // And back to Shanghai later: indexed there again, gone from Beijing.
    await applier.apply(batch({ positions: [{ vin: moveVin, customerId: 'c', report: { ts: 3000, ...SHANGHAI }, receivedAt: 1 }] }), { segment: 1, offset: 3 }, 4);
    expect(await indexedIn(moveVin, [SHANGHAI_REGION, BEIJING_REGION])).toEqual([SHANGHAI_REGION]);
  });

  it('a crash between the vehicles\' step and the GEO step of a move: the replay moves the truck and removes it from the old region', async () => {
    const crashVin = testVin(75);
    const first = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'geo-crash', spoolId: 'spool-g' });
    await first.apply(batch({ positions: [{ vin: crashVin, customerId: 'c', report: { ts: 1000, ...SHANGHAI }, receivedAt: 1 }] }), { segment: 1, offset: 1 }, 1);
    // Every GEO call of the batch fails (on a cluster the step is one call per region slot, sent together).
    const crashing = createStateApplier({
      redis: new Proxy(redis, {
        get: (target, name, receiver) => (name === 'fleetIngestGeo' ? () => Promise.reject(new Error('process died')) : Reflect.get(target, name, receiver) as unknown),
      }),
      prefix: services.redisPrefix, clientId: 'geo-crash', spoolId: 'spool-g',
    });
    const move = batch({ positions: [{ vin: crashVin, customerId: 'c', report: { ts: 2000, ...BEIJING }, receivedAt: 1 }] });
    await expect(crashing.apply(move, { segment: 1, offset: 2 }, 2)).rejects.toThrow('process died');
    // The live hash took the move (step 1); the index did not yet (step 2), nor the checkpoint.
    expect(await redis.hget(keys.live(crashVin), 'geoRegion')).toBe(BEIJING_REGION);
    expect(await indexedIn(crashVin, [SHANGHAI_REGION, BEIJING_REGION])).toEqual([SHANGHAI_REGION]);
    expect(await redis.hget(keys.ingestCheckpoint('geo-crash'), 'offset')).toBe('1');

    const restarted = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'geo-crash', spoolId: 'spool-g' });
    expect(await restarted.apply(move, { segment: 1, offset: 2 }, 3)).toEqual({ applied: true, positionsApplied: 1, faultEvents: 0 });
    expect(await indexedIn(crashVin, [SHANGHAI_REGION, BEIJING_REGION])).toEqual([BEIJING_REGION]);
    expect(await redis.hget(keys.liveGeoTs(SHANGHAI_REGION), crashVin)).toBe('2000');
  });

  it('two ingesters racing on a truck that changes region: the older position landing last does not bring it back to the old region', async () => {
    const raceVin = testVin(76);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reachedGeo!: () => void;
    const atGeo = new Promise<void>((resolve) => (reachedGeo = resolve));
    const slow = createStateApplier({
      redis: interceptOnce('fleetIngestGeo', async (run) => {
        reachedGeo();
        await held;
        return run();
      }),
      prefix: services.redisPrefix, clientId: 'slow-move', spoolId: 'spool-sm',
    });
    const fast = createStateApplier({ redis, prefix: services.redisPrefix, clientId: 'fast-move', spoolId: 'spool-fm' });
    const older = slow.apply(batch({ positions: [{ vin: raceVin, customerId: 'c', report: { ts: 1000, ...SHANGHAI }, receivedAt: 1 }] }), { segment: 1, offset: 1 }, 1);
    await atGeo;
    // The slow ingester's vehicle step has stored Shanghai; the fast one's newer Beijing position sees Shanghai as the
    // region the truck leaves, and removes it there (at 2000) before the slow GEO write (1000) lands.
    await fast.apply(batch({ positions: [{ vin: raceVin, customerId: 'c', report: { ts: 2000, ...BEIJING }, receivedAt: 1 }] }), { segment: 1, offset: 1 }, 2);
    release();
    await older;
    expect(await indexedIn(raceVin, [SHANGHAI_REGION, BEIJING_REGION])).toEqual([BEIJING_REGION]);
    expect(await redis.hget(keys.live(raceVin), 'ts')).toBe('2000');
  });
});
