// Group commit: the spool writes a group of messages with one write, and the MQTT subscriber holds the
// PUBACKs of the group until that write has returned — a failed write leaves the whole group unacknowledged,
// so the broker delivers it again. Both subscribers keep it: the mqtt.js one (infra/mqtt.ts, for ws/wss) and the
// ingester's own MQTT framing (ingest/mqtt-subscriber.ts).
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { connectMqttSubscriber } from '../../ingest/mqtt-subscriber.ts';
import { createSpool } from '../../ingest/spool.ts';
import { connectDurableSubscriber } from '../../infra/mqtt.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { tempDir } from './support.ts';

const services = testServices('groupcommit');
const dirs: string[] = [];
const clients: Array<{ endAsync(force?: boolean): Promise<unknown> }> = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function logSink() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
  return { logger, subscribed: () => lines.some((l) => l.includes('"msg":"subscribed"')) };
}

describe('spool group commit', () => {
  it('keeps enqueued records out of the file until flush, then writes them all at once', () => {
    const d = tempDir('group');
    dirs.push(d);
    const spool = createSpool({ dir: d, maxPayloadBytes: 1024 });
    const segment = join(d, readdirSync(d).find((n) => n.startsWith('seg-'))!);
    for (let i = 0; i < 100; i++) spool.enqueue(`t/${i}`, Buffer.from(`payload-${i}`), i);
    expect(statSync(segment).size).toBe(0);
    expect(spool.read(spool.start(), 1000).records).toHaveLength(0);
    const end = spool.flush();
    expect(statSync(segment).size).toBe(end.offset);
    const read = spool.read(spool.start(), 1000);
    expect(read.records.map((r) => r.payload.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `payload-${i}`));
    expect(spool.flush()).toEqual(end); // nothing staged: nothing written
    spool.enqueue('last', Buffer.from('on close'), 1);
    spool.close();
    const reopened = createSpool({ dir: d, maxPayloadBytes: 1024 });
    expect(reopened.read(reopened.start(), 1000).records.at(-1)?.payload.toString()).toBe('on close');
    reopened.close();
  });
});

const SUBSCRIBERS = [
  { name: 'mqtt.js durable subscriber', connect: connectDurableSubscriber, vin: 'GROUPCOMMIT000001', id: 'gc' },
  { name: 'own MQTT framing', connect: connectMqttSubscriber, vin: 'OWNFRAMING0000001', id: 'own' },
] as const;

describe.each(SUBSCRIBERS)('$name with group commit', ({ connect, vin, id }) => {
  it('holds the PUBACKs until flush: a failed flush leaves the group unacknowledged and it is delivered again', async () => {
    const topic = `${services.topicRoot}/${vin}/position`;
    const config = { url: services.mqttUrl, topicRoot: services.topicRoot, username: services.accounts.ops.username, password: services.accounts.ops.password };
    const clientId = `${id}-${services.namespace}`;

    // A: stages messages, then its first flush fails.
    const staged: string[] = [];
    let fatal: Error | undefined;
    const logA = logSink();
    const a = connect(config, {
      clientId, filters: [`${services.topicRoot}/+/position`], logger: logA.logger,
      onMessage: (_t, payload) => void staged.push(payload.toString()),
      flush: () => {
        throw new Error('disk full');
      },
      onFatal: (err) => {
        fatal = err;
        void a.endAsync(true);
      },
    });
    clients.push(a);
    await waitFor(logA.subscribed, { what: 'A subscribed' });

    const publisher = await mqtt.connectAsync(services.mqttUrl, { ...config, reconnectPeriod: 0 });
    const sent = Array.from({ length: 50 }, (_, i) => `m${i}`);
    await Promise.all(sent.map((m) => publisher.publishAsync(topic, m, { qos: 1 })));
    await publisher.endAsync();
    await waitFor(() => fatal, { what: 'the failed flush reported' });
    expect(fatal!.message).toBe('disk full');
    expect(staged.length).toBeGreaterThan(0);

    // B: the same persistent session with a working flush receives every message again, the ones A staged
    // (never acknowledged) included.
    const flushed = new Set<string>();
    let pending: string[] = [];
    let flushes = 0;
    const logB = logSink();
    const b = connect(config, {
      clientId, filters: [`${services.topicRoot}/+/position`], logger: logB.logger,
      onMessage: (_t, payload) => void pending.push(payload.toString()),
      flush: () => {
        flushes += 1;
        for (const m of pending) flushed.add(m);
        pending = [];
      },
      onFatal: (err) => {
        throw err;
      },
    });
    clients.push(b);
    await waitFor(() => sent.every((m) => flushed.has(m)), { what: 'all 50 messages flushed by B' });
    for (const m of staged) expect(flushed.has(m)).toBe(true);
    expect(flushes).toBeGreaterThan(0);
    expect(flushes).toBeLessThanOrEqual(50);
  });
});
