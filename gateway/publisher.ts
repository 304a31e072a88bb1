// The gateway's one MQTT connection: a publish-only MQTT 3.1.1 client (QoS 1, clean session), written for the
// per-frame path. `send` resolves when the broker has acknowledged the message (PUBACK) — only then may the
// terminal be answered. While the broker is unreachable, or too many messages wait for their PUBACK, it refuses at
// once instead of queueing without bound: the terminal is left unanswered and resends (JT/T 808 terminals resend
// what the platform did not answer). A connection lost with publishes in flight fails them the same way.
// The connection carries a last will: the gateway's own retained status turns `offline` when it dies.
//
// Why not mqtt.js (which the other processes use): per message it allocates a packet object, a store entry and a
// message id in an interval allocator, writes the packet in five pieces, reschedules its ping timer, and on PUBACK
// walks the same path back — about a quarter of the gateway's CPU per location frame (docs/benchmarks.md). Here a
// packet id indexes an array of callbacks, and the publishes of one event-loop turn are encoded one after the other
// into one buffer that leaves in one socket write (no buffer, stream entry or iovec per message); `sendWith` lets
// the caller write the payload straight into that buffer.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { MqttConfig } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';

export class PublishRefused extends Error {
  override readonly name = 'PublishRefused';
}

export interface Publisher {
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
  /** `publish` with a callback and its context (the per-frame path: no promise, no closure per message). */
  send<T>(topic: string | Uint8Array, payload: string, retain: boolean, done: (err: Error | undefined, context: T) => void, context: T): void;
  /**
   * `send` of a payload the caller writes in place: `write(buf, at, arg)` writes at most `maxPayloadBytes` bytes
   * from `at` and returns where it stopped. `topic` as UTF-8 bytes (built once by the caller).
   */
  sendWith<T, A>(
    topic: Uint8Array, maxPayloadBytes: number, write: (buf: Buffer, at: number, arg: A) => number, arg: A,
    retain: boolean, done: (err: Error | undefined, context: T) => void, context: T,
  ): void;
  readonly connected: boolean;
  /** Resolves at the first connection to the broker. */
  whenConnected(): Promise<void>;
  inFlight(): number;
  close(): Promise<void>;
}

type Done = (err: Error | undefined, context: unknown) => void;

const CONNACK = 2;
const PUBACK = 4;
const PINGRESP = 13;
const KEEPALIVE_S = 30;
const RECONNECT_MS = 1000;
const CONNECT_TIMEOUT_MS = 10_000;
/** The buffer the publishes of one turn are encoded into (a larger turn leaves in several writes). */
const OUT_BYTES = 64 * 1024;

/** MQTT variable-length "remaining length". */
function remainingLengthBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

function writeRemainingLength(buf: Buffer, at: number, n: number): number {
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    buf[at++] = byte;
  } while (n > 0);
  return at;
}

function mqttString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

/** CONNECT (MQTT 3.1.1, clean session) with username, password and a retained QoS 1 will. */
export function encodeConnect(opts: { clientId: string; username?: string; password?: string; will: { topic: string; payload: string }; keepaliveS: number }): Buffer {
  let flags = 0x02 | 0x04 | 0x08 | 0x20; // clean session, will, will QoS 1, will retain
  const payload = [mqttString(opts.clientId), mqttString(opts.will.topic), mqttString(opts.will.payload)];
  if (opts.username !== undefined) {
    flags |= 0x80;
    payload.push(mqttString(opts.username));
    if (opts.password !== undefined) {
      flags |= 0x40;
      payload.push(mqttString(opts.password));
    }
  }
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, flags, opts.keepaliveS >> 8, opts.keepaliveS & 0xff]);
  const body = Buffer.concat([variable, ...payload]);
  const head = Buffer.alloc(1 + remainingLengthBytes(body.length));
  head[0] = 0x10;
  writeRemainingLength(head, 1, body.length);
  return Buffer.concat([head, body]);
}

/** PUBLISH QoS 1 as one buffer. */
export function encodePublish(topic: string, payload: string, packetId: number, retain: boolean): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const payloadBytes = Buffer.byteLength(payload);
  const remaining = 2 + topicBytes + 2 + payloadBytes;
  const buf = Buffer.allocUnsafe(1 + remainingLengthBytes(remaining) + remaining);
  buf[0] = retain ? 0x33 : 0x32;
  let at = writeRemainingLength(buf, 1, remaining);
  buf.writeUInt16BE(topicBytes, at);
  at += 2 + buf.write(topic, at + 2, 'utf8');
  buf.writeUInt16BE(packetId, at);
  buf.write(payload, at + 2, 'utf8');
  return buf;
}

export function connectPublisher(config: MqttConfig, opts: {
  clientId: string;
  logger: Logger;
  /** The gateway's own retained status topic: `online` on every connect, `offline` as last will and on close. */
  statusTopic: string;
  maxInFlight?: number;
}): Publisher {
  const url = new URL(config.url);
  if (!['mqtt:', 'mqtts:', 'tcp:'].includes(url.protocol)) {
    throw new Error(`the gateway connects to the broker over TCP or TLS (mqtt:, mqtts:, tcp:), not ${url.protocol}`);
  }
  const tls = url.protocol === 'mqtts:';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : tls ? 8883 : 1883;
  const maxInFlight = Math.min(opts.maxInFlight ?? 50_000, 65_535);
  const connectPacket = encodeConnect({
    clientId: opts.clientId, username: config.username, password: config.password, keepaliveS: KEEPALIVE_S,
    will: { topic: opts.statusTopic, payload: 'offline' },
  });

  let socket: Socket | undefined;
  let isConnected = false;
  let closing = false;
  /** Callbacks (and their contexts) of the publishes awaiting their PUBACK, indexed by packet id (1…65535). */
  const waiting: Array<Done | undefined> = new Array(65_536);
  const contexts: unknown[] = new Array(65_536);
  let pending = 0;
  let nextId = 1;
  let received: Buffer | undefined;
  let lastPingResponse = Date.now();
  let reconnectTimer: NodeJS.Timeout | undefined;
  let connected!: () => void;
  const firstConnect = new Promise<void>((resolve) => (connected = resolve));

  /** Publishes of this turn not yet written: `out[0, outLen)`; written at the end of the turn (or when full). */
  let out = Buffer.allocUnsafeSlow(OUT_BYTES);
  let outLen = 0;
  let flushScheduled = false;

  function flush(): void {
    flushScheduled = false;
    if (outLen === 0) return;
    const s = socket;
    const length = outLen;
    outLen = 0;
    if (!s) return;
    s.write(out.subarray(0, length));
    // Written at once (the usual case): the buffer is free again. Otherwise the socket holds it until written.
    if (s.writableLength !== 0) out = Buffer.allocUnsafeSlow(OUT_BYTES);
  }

  /** Room for `bytes` more in `out`; the offset to write at. */
  function room(bytes: number): number {
    if (outLen + bytes > out.length) {
      flush();
      if (bytes > out.length) out = Buffer.allocUnsafeSlow(bytes);
    }
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
    return outLen;
  }

  /**
   * Completes the PUBLISH whose topic and payload are written at `at + 1 + lengthBytes`, `end` being where the
   * payload stops: the remaining length goes in front (its size guessed from an upper bound; moved if smaller).
   */
  function finishPublish(at: number, lengthBytes: number, end: number, retain: boolean): void {
    const bodyAt = at + 1 + lengthBytes;
    const remaining = end - bodyAt;
    const needed = remainingLengthBytes(remaining);
    if (needed !== lengthBytes) out.copyWithin(at + 1 + needed, bodyAt, end);
    out[at] = retain ? 0x33 : 0x32;
    writeRemainingLength(out, at + 1, remaining);
    outLen = at + 1 + needed + remaining;
  }

  /** Topic and packet id of a PUBLISH from `at`; returns where the payload starts. */
  function writeTopic(topic: string | Uint8Array, id: number, at: number): number {
    let topicBytes: number;
    if (typeof topic === 'string') topicBytes = out.write(topic, at + 2, 'utf8');
    else {
      out.set(topic, at + 2);
      topicBytes = topic.length;
    }
    out[at] = topicBytes >> 8;
    out[at + 1] = topicBytes & 0xff;
    at += 2 + topicBytes;
    out[at] = id >> 8;
    out[at + 1] = id & 0xff;
    return at + 2;
  }

  function failAll(reason: string): void {
    if (pending === 0) return;
    const err = new PublishRefused(reason);
    for (let id = 1; id < waiting.length && pending > 0; id++) {
      const done = waiting[id];
      if (!done) continue;
      const context = contexts[id];
      waiting[id] = contexts[id] = undefined;
      pending--;
      done(err, context);
    }
  }

  function onPacket(type: number, buf: Buffer, at: number, length: number): void {
    if (type === PUBACK && length >= 2) {
      const id = buf.readUInt16BE(at);
      const done = waiting[id];
      if (!done) return;
      const context = contexts[id];
      waiting[id] = contexts[id] = undefined;
      pending--;
      done(undefined, context);
    } else if (type === CONNACK && length >= 2) {
      const code = buf[at + 1]!;
      if (code !== 0) {
        opts.logger.warn({ code }, 'MQTT broker refused the connection');
        socket?.destroy();
        return;
      }
      isConnected = true;
      lastPingResponse = Date.now();
      opts.logger.info({ clientId: opts.clientId }, 'connected to MQTT broker');
      send(opts.statusTopic, 'online', true, statusSettled, undefined);
      connected();
    } else if (type === PINGRESP) {
      lastPingResponse = Date.now();
    }
  }

  function onData(chunk: Buffer): void {
    const buf = received ? Buffer.concat([received, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      let length = 0;
      let multiplier = 1;
      let i = at + 1;
      let complete = false;
      for (; i < buf.length && i < at + 5; i++) {
        const byte = buf[i]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete || buf.length - i < length) break;
      onPacket(buf[at]! >> 4, buf, i, length);
      at = i + length;
    }
    received = at < buf.length ? buf.subarray(at) : undefined;
    if (received && at > 0) received = Buffer.from(received); // do not keep the whole chunk alive
  }

  function open(): void {
    if (closing) return;
    const s = tls
      ? tlsConnect({ host, port, servername: host })
      : netConnect({ host, port, noDelay: true });
    socket = s;
    received = undefined;
    const timeout = setTimeout(() => {
      if (!isConnected) s.destroy();
    }, CONNECT_TIMEOUT_MS);
    s.once(tls ? 'secureConnect' : 'connect', () => s.write(connectPacket));
    s.on('data', onData);
    s.on('error', (err) => opts.logger.warn({ err: err.message }, 'MQTT connection error'));
    s.on('close', () => {
      clearTimeout(timeout);
      if (socket !== s) return;
      socket = undefined;
      outLen = 0;
      if (isConnected) opts.logger.warn('MQTT broker unreachable');
      isConnected = false;
      failAll('MQTT connection lost before the PUBACK');
      if (!closing) reconnectTimer = setTimeout(open, RECONNECT_MS);
    });
  }

  function statusSettled(err: Error | undefined): void {
    if (err) opts.logger.warn({ err: err.message }, 'could not publish the gateway status');
  }

  /** A packet id for `done`, or undefined after calling it with the refusal. */
  function register<T>(done: (err: Error | undefined, context: T) => void, context: T): number | undefined {
    if (!isConnected || !socket) {
      done(new PublishRefused('MQTT broker not connected'), context);
      return undefined;
    }
    if (pending >= maxInFlight) {
      done(new PublishRefused(`${pending} publishes await their PUBACK`), context);
      return undefined;
    }
    let id = nextId;
    while (waiting[id] !== undefined) id = id === 65_535 ? 1 : id + 1;
    nextId = id === 65_535 ? 1 : id + 1;
    waiting[id] = done as Done;
    contexts[id] = context;
    pending++;
    return id;
  }

  function send<T>(topic: string | Uint8Array, payload: string, retain: boolean, done: (err: Error | undefined, context: T) => void, context: T): void {
    const id = register(done, context);
    if (id === undefined) return;
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the remaining length is sized for that bound, moved if smaller.
    const topicMax = typeof topic === 'string' ? 3 * topic.length : topic.length;
    const bound = 2 + topicMax + 2 + 3 * payload.length;
    const lengthBytes = remainingLengthBytes(bound);
    const at = room(1 + lengthBytes + bound);
    const payloadAt = writeTopic(topic, id, at + 1 + lengthBytes);
    finishPublish(at, lengthBytes, payloadAt + out.write(payload, payloadAt, 'utf8'), retain);
  }

  function sendWith<T, A>(
    topic: Uint8Array, maxPayloadBytes: number, write: (buf: Buffer, at: number, arg: A) => number, arg: A,
    retain: boolean, done: (err: Error | undefined, context: T) => void, context: T,
  ): void {
    const id = register(done, context);
    if (id === undefined) return;
    const bound = 2 + topic.length + 2 + maxPayloadBytes;
    const lengthBytes = remainingLengthBytes(bound);
    const at = room(1 + lengthBytes + bound);
    const payloadAt = writeTopic(topic, id, at + 1 + lengthBytes);
    finishPublish(at, lengthBytes, write(out, payloadAt, arg), retain);
  }

  open();
  const pinger = setInterval(() => {
    if (!isConnected || !socket) return;
    if (Date.now() - lastPingResponse > 2 * KEEPALIVE_S * 1000) {
      opts.logger.warn('MQTT broker stopped answering pings');
      socket.destroy();
      return;
    }
    socket.write(Buffer.from([0xc0, 0]));
  }, (KEEPALIVE_S * 1000) / 2);
  pinger.unref();

  return {
    send,
    sendWith,
    publish: (topic, payload, retain = false) =>
      new Promise<void>((resolve, reject) => send(topic, payload, retain, (err) => (err ? reject(err) : resolve()), undefined)),
    get connected() {
      return isConnected;
    },
    whenConnected: () => firstConnect,
    inFlight: () => pending,
    // A clean DISCONNECT suppresses the last will: say `offline` first (when connected at all).
    async close() {
      closing = true;
      clearInterval(pinger);
      clearTimeout(reconnectTimer);
      if (isConnected && socket) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 5000);
          send(opts.statusTopic, 'offline', true, () => {
            clearTimeout(t);
            resolve();
          }, undefined);
        });
      }
      const s = socket;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.end(Buffer.from([0xe0, 0]));
        setTimeout(() => s.destroy(), 2000).unref();
      });
    },
  };
}
