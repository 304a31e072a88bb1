// The ingester's own MQTT framing (ingest/mqtt-subscriber.ts) keeps the group commit of the mqtt.js subscriber
// (group-commit.test.ts): the PUBACKs of a group leave only after the flush returned; a failed flush leaves the
// whole group unacknowledged, so the broker delivers it again to the same persistent session.
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { connectMqttSubscriber, type DurableSubscriber } from '../../ingest/mqtt-subscriber.ts';
import { testServices, waitFor } from '../harness/context.ts';

const services = testServices('ownmqtt');
const dirs: string[] = [];
const clients: DurableSubscriber[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function logSink() {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
  return { logger, subscribed: () => lines.some((l) => l.includes('"msg":"subscribed"')) };
}

describe('own MQTT framing with group commit', () => {
  it('holds the PUBACKs until flush: a failed flush leaves the group unacknowledged and it is delivered again', async () => {
    const topic = `${services.topicRoot}/OWNFRAMING0000001/position`;
    const config = { url: services.mqttUrl, topicRoot: services.topicRoot, username: services.accounts.ops.username, password: services.accounts.ops.password };
    const clientId = `own-${services.namespace}`;

    // A: stages messages, then its first flush fails.
    const staged: string[] = [];
    let fatal: Error | undefined;
    const logA = logSink();
    const a = connectMqttSubscriber(config, {
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
    const b = connectMqttSubscriber(config, {
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
