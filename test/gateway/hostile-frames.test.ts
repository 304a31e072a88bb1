// Robustness (JT/T 808 gateway): 10,000 hostile frames — random bytes, truncated frames, wrong check codes, bad escapes,
// oversized frames, sub-package floods, unknown message ids, frames before authentication — plus slow-loris
// connections and a per-address connection flood. The gateway stays up, counts each by reason, closes abusive
// connections, and a well-behaved terminal streaming at the same time has every location acknowledged.
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_FLAG, type FrameHeader } from '../../core/jt808-frame.ts';
import { encodeAuth, encodeLocation, GENERAL_RESULT, MSG } from '../../core/jt808-messages.ts';
import { deviceTopic } from '../../core/topics.ts';
import { createRedis } from '../../infra/redis.ts';
import { createJt808Terminal, type Jt808Terminal } from '../../simulators/jt808-terminal.ts';
import { testServices, waitFor } from '../harness/context.ts';
import { testVin } from '../ingest/support.ts';
import { counter, fitTerminals, scrape, startGateway, stopGateway, type GatewayProcess } from './support.ts';
import mqtt from 'mqtt';

const services = testServices('gwhostile');
const redis = createRedis(services, 'fail-fast');
let gateway: GatewayProcess;
const good = { vin: testVin(1650), phone: '13900000001' };
const hostile = { vin: testVin(1651), phone: '13900000002' };
const clients: Jt808Terminal[] = [];

beforeAll(async () => {
  await fitTerminals(redis, services.redisPrefix, [good, hostile]);
  gateway = await startGateway(services, {
    JT808_HEARTBEAT_S: '2', JT808_AUTH_TIMEOUT_S: '3', JT808_MAX_CONNECTIONS_PER_ADDRESS: '30', JT808_MAX_BAD_FRAMES: '10', LOG_LEVEL: 'warn',
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  if (gateway) await stopGateway(gateway);
  redis.disconnect();
});

const header = (messageId: number, serial: number, extra: Partial<FrameHeader> = {}): FrameHeader => ({ messageId, edition: 2013, phone: hostile.phone, serial, encryption: 0, ...extra });
const location = () => encodeLocation({ lat: 30, lon: 120, ts: Date.now() - 5000 });

/**
 * Opens a connection and writes the frames. Unauthenticated kinds hang up at once; with `answers`, it waits
 * until the gateway closed the connection or sent that many answers (the frames were all processed).
 */
function blast(frames: readonly Buffer[], opts: { before?: Buffer[]; answers?: number } = {}): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: '127.0.0.1', port: gateway.port });
    let flags = 0;
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === FRAME_FLAG) flags++;
      if (opts.answers !== undefined && flags / 2 >= opts.answers) socket.destroy();
    });
    socket.on('connect', () => {
      for (const b of opts.before ?? []) socket.write(b);
      socket.write(Buffer.concat(frames));
      if (opts.answers === undefined) socket.end(() => socket.destroy());
    });
  });
}

describe('hostile frames', () => {
  it('survives 10,000 hostile frames, counts them by reason, and other terminals are unaffected', { timeout: 240_000 }, async () => {
    // The well-behaved terminal streams the whole time.
    const url = new URL(services.mqttUrl);
    const watcher = await mqtt.connectAsync({ host: url.hostname, port: Number(url.port), username: services.accounts.ops.username, password: services.accounts.ops.password, log: () => undefined });
    let positionsSeen = 0;
    watcher.on('message', () => void positionsSeen++);
    await watcher.subscribeAsync(deviceTopic(services.topicRoot, good.vin, 'position'), { qos: 1 });
    const t = createJt808Terminal({ host: '127.0.0.1', port: gateway.port, phone: good.phone, edition: 2019, plate: good.vin });
    clients.push(t);
    await t.connect();
    expect((await t.register()).result).toBe(0);
    expect(await t.authenticate()).toBe(0);
    let streaming = true;
    const results: number[] = [];
    const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
    const stream = (async () => {
      for (let i = 0; streaming; i++) results.push(await t.location({ lat: 31 + i / 1e5, lon: 121, ts: base + i * 1000 }));
    })();

    // The hostile terminal's auth code, for the floods that need an authenticated connection.
    const registrar = createJt808Terminal({ host: '127.0.0.1', port: gateway.port, phone: hostile.phone, edition: 2013, plate: hostile.vin });
    await registrar.connect();
    const code = (await registrar.register()).authCode!;
    await registrar.close();
    const auth = encodeFrame(header(MSG.authenticate, 0), encodeAuth({ authCode: code }, 2013));

    let sent = 0;
    // `authenticated`: sent after a valid 0x0102, one connection at a time (a newer connection of the same
    // vehicle replaces the older), waiting for every answer or for the gateway to close the connection.
    const kinds: Array<{ name: string; make: (i: number) => Buffer; authenticated?: boolean }> = [
      { name: 'random', make: () => Buffer.concat([randomBytes(1 + Math.floor(Math.random() * 60)), Buffer.of(FRAME_FLAG)]) },
      { name: 'truncated', make: (i) => { const f = encodeFrame(header(MSG.location, i), location()); return Buffer.concat([f.subarray(0, 5 + (i % 20)), Buffer.of(FRAME_FLAG)]); } },
      { name: 'checksum', make: (i) => { const f = Buffer.from(encodeFrame(header(MSG.heartbeat, i), Buffer.alloc(3, 1))); f[f.length - 2]! ^= 0x5a; return f[f.length - 2] === 0x7e || f[f.length - 2] === 0x7d ? encodeFrame(header(MSG.heartbeat, i), Buffer.alloc(0)).fill(0x11, 1, 3) : f; } },
      { name: 'escape', make: () => Buffer.from([FRAME_FLAG, 0x00, 0x02, 0x7d, 0x05, 0x00, FRAME_FLAG]) },
      { name: 'oversized', make: () => Buffer.concat([Buffer.of(FRAME_FLAG), Buffer.alloc(5000, 0x31), Buffer.of(FRAME_FLAG)]) },
      { name: 'before-auth', make: (i) => encodeFrame(header(MSG.location, i), location()) },
      { name: 'unknown-id', make: (i) => encodeFrame(header(0x0f0f + (i % 7), i), Buffer.alloc(4)), authenticated: true },
      { name: 'subpackage-flood', make: (i) => encodeFrame(header(MSG.locationBatch, (i * 7) & 0xffff, { subPackage: { total: 3, index: 1 } }), Buffer.alloc(100)), authenticated: true },
      { name: 'subpackage-huge', make: (i) => encodeFrame(header(MSG.locationBatch, i, { subPackage: { total: 5000, index: 1 } }), Buffer.alloc(10)), authenticated: true },
      { name: 'encrypted', make: (i) => encodeFrame(header(MSG.location, i, { encryption: 1 }), location()), authenticated: true },
    ];
    const perKind = 1000;
    for (const kind of kinds) {
      // Batches of 25: an abusive connection is closed after 10 strikes; the attacker reconnects.
      const batches: Buffer[][] = [];
      for (let i = 0; i < perKind; i += 25) batches.push(Array.from({ length: 25 }, (_, j) => kind.make(i + j)));
      if (kind.authenticated) {
        for (const frames of batches) await blast(frames, { before: [auth], answers: frames.length + 1 });
      } else {
        for (let b = 0; b < batches.length; b += 4) await Promise.all(batches.slice(b, b + 4).map((frames) => blast(frames)));
      }
      sent += perKind;
    }
    expect(sent).toBe(10_000);

    // Slow loris: one never authenticates, one authenticates and then dribbles an endless frame.
    const loris = (before: Buffer[]) => new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: gateway.port });
      s.on('error', () => undefined);
      let timer: NodeJS.Timeout | undefined;
      s.on('connect', () => {
        for (const b of before) s.write(b);
        s.write(Buffer.of(FRAME_FLAG));
        timer = setInterval(() => s.write(Buffer.of(0x30)), 300);
      });
      s.on('close', () => {
        clearInterval(timer);
        resolve();
      });
    });
    await Promise.all([loris([]), loris([auth])]);

    // Connection flood from one address: beyond 30 (the good terminal holds one) is refused.
    const flood = await Promise.all(Array.from({ length: 40 }, () => new Promise<Socket>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: gateway.port });
      s.on('error', () => undefined);
      s.on('connect', () => resolve(s));
    })));
    await waitFor(async () => (await counter(gateway.metricsPort, 'jt808_rejected_total', 'reason="connection_limit_address"')) >= 11, { what: 'connections over the per-address limit refused' });
    for (const s of flood) s.destroy();

    streaming = false;
    await stream;
    await watcher.endAsync();

    // The gateway is up and healthy, with bounded memory.
    expect(gateway.process.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${gateway.metricsPort}/health`)).status).toBe(200);
    const samples = await scrape(gateway.metricsPort);
    const rejected = (reason: string) => samples.find((s) => s.name === 'jt808_rejected_total' && s.labels.includes(`"${reason}"`))?.value ?? 0;
    const closed = (reason: string) => samples.find((s) => s.name === 'jt808_connections_closed_total' && s.labels.includes(`"${reason}"`))?.value ?? 0;
    for (const reason of ['garbage', 'bad_checksum', 'truncated', 'bad_escape', 'oversized', 'unauthenticated', 'unknown_message', 'subpackage_overflow', 'subpackage_too_large', 'encrypted', 'connection_limit_address']) {
      expect(rejected(reason), reason).toBeGreaterThan(0);
    }
    expect(rejected('unknown_message')).toBeGreaterThanOrEqual(1000);
    expect(rejected('encrypted')).toBeGreaterThanOrEqual(1000);
    expect(closed('abusive')).toBeGreaterThanOrEqual(100);
    expect(closed('auth_timeout')).toBeGreaterThanOrEqual(1);
    expect(closed('idle')).toBeGreaterThanOrEqual(1);
    const rss = samples.find((s) => s.name === 'jt808_process_resident_memory_bytes')?.value ?? 0;
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(400 * 1024 * 1024);

    // The good terminal: every location acknowledged after its PUBACK, and each one reached the broker.
    expect(results.length).toBeGreaterThan(50);
    expect(results.every((r) => r === GENERAL_RESULT.success)).toBe(true);
    expect(positionsSeen).toBeGreaterThanOrEqual(results.length);
    expect(t.connected).toBe(true);
  });
});
