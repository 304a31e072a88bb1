// Acceptance: 10,000 malformed or hostile payloads — the ingester stays alive, each one is counted under
// its reason (Redis counts and Prometheus metrics), and valid traffic sent in between is stored completely.
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../core/keys.ts';
import { parseLiveState } from '../../core/live-state.ts';
import { DEAD_LETTER_LIST_MAX, type DeadLetter, type DeadLetterReason } from '../../core/telemetry.ts';
import { deviceTopic } from '../../core/topics.ts';
import { freePort } from '../../infra/local-services.ts';
import { createRedis } from '../../infra/redis.ts';
import { createTelemetryStore } from '../../infra/telemetry-store.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { registerVehicles, scrapeCounter, spawnIngester, stopIngester, tempDir, testVin, type IngesterProcess } from './support.ts';

const services = testServices('hostile');
const redis = createRedis(services, 'fail-fast');
const keys = redisKeys(services.redisPrefix);
const store = createTelemetryStore({ version: 1, url: services.influxUrl, database: services.influxDb });
let ingester: IngesterProcess | undefined;

afterAll(async () => {
  if (ingester) await stopIngester(ingester, 'SIGKILL');
  redis.disconnect();
});

interface Case {
  topic: string;
  payload: string | Buffer;
  /** Dead letters it must produce, by reason (arrays may yield several). */
  expect: Partial<Record<DeadLetterReason, number>>;
}

const known = testVin(41);
const unknown = testVin(42);
const root = services.topicRoot;
const now = Date.now();
const T = 1763805600000;
const pos = (extra: Record<string, unknown>) => JSON.stringify({ ts: T, lat: 31, lon: 121, ...extra });

/** Templates of hostile input; each is cycled to build 10,000 messages. */
function hostileTemplates(): Array<(i: number) => Case> {
  const P = deviceTopic(root, known, 'position');
  const D = deviceTopic(root, known, 'dm1');
  const S = deviceTopic(root, known, 'status');
  const one = (reason: DeadLetterReason) => ({ [reason]: 1 });
  return [
    () => ({ topic: P, payload: '{"ts":', expect: one('bad_json') }),
    () => ({ topic: P, payload: 'NaN', expect: one('bad_json') }),
    () => ({ topic: P, payload: '{"ts":NaN,"lat":1,"lon":1}', expect: one('bad_json') }),
    () => ({ topic: P, payload: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b]), expect: one('bad_json') }),
    () => ({ topic: P, payload: '\u202e{"ts":1}', expect: one('bad_json') }),
    () => ({ topic: P, payload: 'null', expect: one('invalid_payload') }),
    () => ({ topic: P, payload: '"\u0000"', expect: one('bad_json') }), // raw control character in a JSON string
    () => ({ topic: P, payload: '"\\u0000"', expect: one('invalid_payload') }), // an escaped one: valid JSON, not an object
    () => ({ topic: P, payload: '{}', expect: one('invalid_payload') }),
    () => ({ topic: P, payload: '[]', expect: one('invalid_payload') }),
    () => ({ topic: P, payload: pos({ lat: '31' }), expect: one('invalid_payload') }),
    () => ({ topic: P, payload: pos({ lat: 'NaN' }), expect: one('invalid_payload') }),
    () => ({ topic: P, payload: pos({ ts: 'yesterday' }), expect: one('invalid_payload') }),
    () => ({ topic: P, payload: pos({ ignition: 'yes' }), expect: one('invalid_payload') }),
    () => ({ topic: P, payload: pos({ seq: 1.5 }), expect: one('invalid_payload') }),
    () => ({ topic: P, payload: '['.repeat(50_000) + ']'.repeat(50_000), expect: one('invalid_payload') }),
    () => ({ topic: P, payload: '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000), expect: one('invalid_payload') }),
    () => ({ topic: P, payload: pos({ lat: 91 }), expect: one('out_of_range') }),
    () => ({ topic: P, payload: pos({ lon: -180.0001 }), expect: one('out_of_range') }),
    () => ({ topic: P, payload: pos({ lat: 1e308 }), expect: one('out_of_range') }),
    () => ({ topic: P, payload: '{"ts":1763805600000,"lat":1e999,"lon":1}', expect: one('invalid_payload') }), // Infinity
    () => ({ topic: P, payload: pos({ speedKmh: -1 }), expect: one('out_of_range') }),
    () => ({ topic: P, payload: pos({ fuelPct: 101 }), expect: one('out_of_range') }),
    () => ({ topic: P, payload: pos({ seq: 2 ** 32 }), expect: one('out_of_range') }),
    () => ({ topic: P, payload: pos({ ts: 0 }), expect: one('out_of_range') }),
    () => ({ topic: P, payload: pos({ ts: now + 25 * 3600_000 }), expect: one('future_timestamp') }),
    () => ({ topic: P, payload: pos({ ts: new Date(now + 48 * 3600_000).toISOString() }), expect: one('future_timestamp') }),
    // a buffered batch with 2 bad records among 3 good ones: the good ones are stored
    (i) => ({
      topic: P,
      payload: JSON.stringify([
        { ts: T + 1_000_000 + i * 10, lat: 30, lon: 120 }, { ts: T, lat: 95, lon: 1 }, { ts: T + 1_000_001 + i * 10, lat: 30, lon: 120 },
        { lat: 1, lon: 1 }, { ts: T + 1_000_002 + i * 10, lat: 30, lon: 120 },
      ]),
      expect: { out_of_range: 1, invalid_payload: 1 },
    }),
    () => ({ topic: P, payload: JSON.stringify(Array.from({ length: 1001 }, (_, k) => ({ ts: T + k, lat: 1, lon: 1 }))), expect: one('too_many_records') }),
    () => ({ topic: D, payload: JSON.stringify({ ts: T, lamps: {}, dtcs: [{ spn: 524_288, fmi: 1 }] }), expect: one('out_of_range') }),
    () => ({ topic: D, payload: JSON.stringify({ ts: T, dtcs: [{ spn: 100, fmi: 32, oc: 1 }] }), expect: one('out_of_range') }),
    () => ({ topic: D, payload: JSON.stringify({ ts: T, dtcs: 'P0100' }), expect: one('invalid_payload') }),
    () => ({ topic: D, payload: JSON.stringify({ ts: T, lamps: { redStop: 'on' }, dtcs: [] }), expect: one('invalid_payload') }),
    () => ({ topic: D, payload: '{"ts":1763805600000,"dtcs":[],"__proto__":{"polluted":true},"lamps":{"constructor":{"prototype":{"x":1}}}}', expect: {} }),
    () => ({ topic: S, payload: 'maybe', expect: one('invalid_payload') }),
    () => ({ topic: deviceTopic(root, unknown, 'position'), payload: pos({}), expect: one('unknown_vin') }),
    () => ({ topic: `${root}/NOTAVIN/position`, payload: pos({}), expect: one('invalid_vin') }),
    () => ({ topic: `${root}/${known.slice(0, 8)}Q${known.slice(9)}/position`, payload: pos({}), expect: one('invalid_vin') }),
    () => ({ topic: `${root}/${known}/diagnostics`, payload: pos({}), expect: one('unknown_topic') }),
  ];
}

describe('hostile payloads', () => {
  it('dead-letters 10,000 hostile messages by reason while valid traffic is stored', { timeout: 120_000 }, async () => {
    await store.ensureDatabase();
    await registerVehicles(redis, services.redisPrefix, [known], 'cust-h');
    const metricsPort = await freePort();
    ingester = spawnIngester(services, {
      INGEST_CLIENT_ID: `hostile-${services.namespace}`, INGEST_SPOOL_DIR: tempDir('hostile'), INGEST_METRICS_PORT: String(metricsPort),
    });
    const running = ingester;
    await waitFor(() => running.output().includes('"subscribed"'), { what: 'ingester subscribed' });

    const templates = hostileTemplates();
    const cases: Case[] = Array.from({ length: 10_000 }, (_, i) => templates[i % templates.length]!(i));
    // Oversized payloads (> 256 KiB) are costly to send: 20 of them replace ordinary cases.
    const big = Buffer.alloc(300 * 1024, 'x');
    for (let k = 0; k < 20; k++) cases[k * 499] = { topic: deviceTopic(root, known, 'position'), payload: big, expect: { oversized: 1 } };
    const expected = new Map<string, number>();
    for (const c of cases) for (const [reason, n] of Object.entries(c.expect)) expected.set(reason, (expected.get(reason) ?? 0) + n);
    const goodInBatches = cases.filter((c) => 'out_of_range' in c.expect && 'invalid_payload' in c.expect).length * 3;

    const client = await mqtt.connectAsync(services.mqttUrl, {
      username: services.accounts.ops.username, password: services.accounts.ops.password, reconnectPeriod: 0,
    });
    const validTopic = deviceTopic(root, known, 'position');
    const valid = 1000;
    for (let start = 0; start < cases.length; start += 250) {
      const acks: Array<Promise<unknown>> = [];
      for (let i = start; i < Math.min(start + 250, cases.length); i++) {
        acks.push(client.publishAsync(cases[i]!.topic, cases[i]!.payload, { qos: 1 }));
        if (i % 10 === 0) acks.push(client.publishAsync(validTopic, pos({ ts: T + 1 + (i / 10) * 1000, seq: i / 10 }), { qos: 1 }));
      }
      await Promise.all(acks);
    }
    await client.endAsync();

    const totalExpected = [...expected.values()].reduce((a, b) => a + b, 0);
    await waitFor(async () => (await scrapeCounter(metricsPort, 'ingest_dead_letters_total')) >= totalExpected, {
      timeoutMs: 60_000, what: `${totalExpected} dead letters`,
    });
    const counts = await redis.hgetall(keys.deadLetterCounts);
    expect(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)]))).toEqual(Object.fromEntries(expected));
    for (const [reason, n] of expected) expect(await scrapeCounter(metricsPort, 'ingest_dead_letters_total', { reason })).toBe(n);

    // The list is capped and inspectable: newest first, with reason, topic and a payload excerpt.
    expect(await redis.llen(keys.deadLetters)).toBe(Math.min(totalExpected, DEAD_LETTER_LIST_MAX));
    const newest = JSON.parse((await redis.lindex(keys.deadLetters, 0))!) as DeadLetter;
    expect(newest).toMatchObject({ reason: expect.any(String), topic: expect.any(String), detail: expect.any(String) });
    const letters = (await redis.lrange(keys.deadLetters, 0, -1)).map((j) => JSON.parse(j) as DeadLetter);
    const oversized = letters.find((d) => d.reason === 'oversized');
    if (oversized) expect(oversized.payload.length).toBeLessThanOrEqual(4096);

    // Valid traffic: every valid single position plus the good records of mixed batches.
    await waitFor(async () => {
      const rows = await store.query(`SELECT count(lat) FROM position WHERE vin = '${known}'`);
      return Number(rows[0]?.count) === valid + goodInBatches;
    }, { what: 'all valid positions stored' });
    const live = parseLiveState(known, await redis.hgetall(keys.live(known)));
    expect(live?.customerId).toBe('cust-h');
    expect(running.child.exitCode).toBeNull();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
