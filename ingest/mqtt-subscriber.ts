// The ingester's own MQTT 3.1.1 subscriber on a TCP (or TLS) socket: the one client role it needs — a persistent
// session (clean session off, fixed client id) that subscribes with QoS 1 and receives PUBLISH — framed by hand.
// Why not mqtt.js here: per message it builds a packet object, copies the payload out of a BufferList, runs a
// writable stream, several listeners, nextTick and debug calls, and generates each PUBACK through a stream
// write: about half of the ingester's CPU in the profiles of bench:ingest (docs/benchmarks.md, Ingest). Here a
// socket read is parsed in place: each PUBLISH's topic and payload are views handed to `onMessage` (which copies
// them into the spool's staging buffer), and its PUBACK is four bytes appended to one buffer.
//
// Durability is the group commit of docs/ingest.md, without corking: the PUBACKs of every message received
// in one turn of the event loop are kept here until `flush` (one spool write) has returned at the end of the
// turn, then leave with one socket write. If `flush` throws, the socket is destroyed with none of the group
// acknowledged: the broker delivers it again to the next connection of the session.
// mqtt.js (infra/mqtt.ts) remains the client for ws:// and wss:// broker URLs.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { MqttConfig } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';

export interface DurableSubscriber {
  /** Leaves the broker: acknowledges what was flushed, sends DISCONNECT (unless `force`), stops reconnecting. */
  endAsync(force?: boolean): Promise<void>;
}

export interface MqttSubscriberOptions {
  clientId: string;
  /** Subscription filters (QoS 1), renewed on every connect. */
  filters: readonly string[];
  /** Stages one message for the next `flush`; the views are valid only during the call. Throwing withholds every acknowledgement of the group. */
  onMessage: (topic: Buffer, payload: Buffer) => void;
  /** Persists every message staged since the last call; acknowledgements wait for it. */
  flush: () => void;
  onFatal: (err: Error) => void;
  logger: Logger;
  keepaliveS?: number;
  reconnectMs?: number;
}

const CONNACK = 0x20;
const PUBLISH = 0x30;
const PUBREL = 0x60;
const SUBACK = 0x90;
const PINGRESP = 0xd0;

function utf8Field(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const out = Buffer.allocUnsafe(2 + bytes.length);
  out.writeUInt16BE(bytes.length, 0);
  bytes.copy(out, 2);
  return out;
}

function packet(first: number, body: Buffer): Buffer {
  const length: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    length.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([first, ...length]), body]);
}

export function connectMqttSubscriber(config: MqttConfig, opts: MqttSubscriberOptions): DurableSubscriber {
  const url = new URL(config.url);
  const tls = url.protocol === 'mqtts:';
  const port = Number(url.port || (tls ? 8883 : 1883));
  const host = url.hostname;
  const keepaliveS = opts.keepaliveS ?? 30;
  const reconnectMs = opts.reconnectMs ?? 1000;
  const { logger } = opts;

  const connectPacket = (() => {
    let flags = 0; // clean session off: a persistent session
    const fields = [utf8Field(opts.clientId)];
    if (config.username !== undefined) {
      flags |= 0x80;
      fields.push(utf8Field(config.username));
    }
    if (config.password !== undefined) {
      flags |= 0x40;
      fields.push(utf8Field(config.password));
    }
    const header = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, flags, keepaliveS >> 8, keepaliveS & 0xff]);
    return packet(0x10, Buffer.concat([header, ...fields]));
  })();
  const subscribePacket = packet(0x82, Buffer.concat([Buffer.from([0, 1]), ...opts.filters.map((f) => Buffer.concat([utf8Field(f), Buffer.from([1])]))]));

  let socket: Socket | undefined;
  let ending = false;
  let pending: Buffer | undefined; // bytes of an incomplete packet from the previous read
  // Acknowledgements (PUBACK, PUBREC, PUBCOMP) of the current group, sent after the group's flush.
  let acks = Buffer.allocUnsafe(16 * 1024);
  let ackBytes = 0;
  let groupScheduled = false;
  let pingTimer: NodeJS.Timeout | undefined;
  let awaitingPong = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  function ack(type: number, id: number): void {
    if (ackBytes + 4 > acks.length) {
      const grown = Buffer.allocUnsafe(acks.length * 2);
      acks.copy(grown, 0, 0, ackBytes);
      acks = grown;
    }
    acks[ackBytes] = type;
    acks[ackBytes + 1] = 2;
    acks[ackBytes + 2] = id >> 8;
    acks[ackBytes + 3] = id & 0xff;
    ackBytes += 4;
  }

  /** End of the group: one spool write, then the group's acknowledgements in one socket write. */
  function commitGroup(): void {
    groupScheduled = false;
    const s = socket;
    try {
      opts.flush();
    } catch (err) {
      ackBytes = 0;
      s?.destroy();
      opts.onFatal(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (ackBytes > 0) {
      // Written from a copy: the ack buffer is reused for the next group while this write may be queued.
      if (s && !s.destroyed) s.write(Buffer.from(acks.subarray(0, ackBytes)));
      ackBytes = 0;
    }
  }

  function fail(s: Socket, why: string): void {
    logger.warn({ err: why }, 'MQTT client error');
    s.destroy();
  }

  function onPublish(s: Socket, first: number, buf: Buffer, start: number, end: number): void {
    const qos = (first >> 1) & 3;
    if (start + 2 > end) return fail(s, 'malformed PUBLISH');
    const topicLength = buf.readUInt16BE(start);
    let at = start + 2 + topicLength;
    if (at > end || qos === 3) return fail(s, 'malformed PUBLISH');
    const topic = buf.subarray(start + 2, at);
    let id = 0;
    if (qos > 0) {
      if (at + 2 > end) return fail(s, 'malformed PUBLISH');
      id = buf.readUInt16BE(at);
      at += 2;
    }
    if (!groupScheduled) {
      groupScheduled = true;
      setImmediate(commitGroup);
    }
    try {
      opts.onMessage(topic, buf.subarray(at, end));
    } catch (err) {
      // Nothing of this group may be acknowledged: the broker redelivers it to the next connection.
      ackBytes = 0;
      s.destroy();
      opts.onFatal(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (qos === 1) ack(0x40, id); // PUBACK
    else if (qos === 2) ack(0x50, id); // PUBREC (a QoS 2 delivery; the subscription asks for QoS 1)
  }

  function onPacket(s: Socket, first: number, buf: Buffer, start: number, end: number): void {
    const type = first & 0xf0;
    if (type === PUBLISH) return onPublish(s, first, buf, start, end);
    if (type === CONNACK) {
      const code = buf[start + 1];
      if (code !== 0) {
        logger.warn({ returnCode: code }, 'MQTT broker refused the connection');
        s.destroy();
        return;
      }
      logger.info({ clientId: opts.clientId, sessionPresent: (buf[start]! & 1) === 1 }, 'connected to MQTT broker');
      s.write(subscribePacket);
      return;
    }
    if (type === SUBACK) {
      const codes = [...buf.subarray(start + 2, end)];
      const refused = opts.filters.filter((_, i) => codes[i] === 0x80);
      if (refused.length) opts.onFatal(new Error(`MQTT broker refused subscriptions: ${refused.join(', ')}`));
      else logger.info({ filters: opts.filters }, 'subscribed');
      return;
    }
    if (type === PUBREL) {
      ack(0x70, buf.readUInt16BE(start)); // PUBCOMP, with the group (its PUBREC left after the flush)
      if (!groupScheduled) {
        groupScheduled = true;
        setImmediate(commitGroup);
      }
      return;
    }
    if (type === PINGRESP) return;
    // PUBACK/PUBREC/PUBCOMP/UNSUBACK are answers to what this client never sends.
  }

  function onData(s: Socket, chunk: Buffer): void {
    awaitingPong = false; // any traffic shows the connection is alive
    let buf = chunk;
    if (pending !== undefined) {
      buf = Buffer.concat([pending, chunk]);
      pending = undefined;
    }
    let at = 0;
    const n = buf.length;
    while (at < n && !s.destroyed) {
      // Fixed header: type byte, remaining length (1–4 bytes, 7 bits each).
      let length = 0;
      let multiplier = 1;
      let i = at + 1;
      let complete = false;
      while (i < n && i < at + 5) {
        const byte = buf[i++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (i >= at + 5) return fail(s, 'malformed remaining length');
        break;
      }
      if (i + length > n) break;
      onPacket(s, buf[at]!, buf, i, i + length);
      at = i + length;
    }
    if (at < n && !s.destroyed) pending = buf.subarray(at);
  }

  function open(): void {
    reconnectTimer = undefined;
    if (ending) return;
    pending = undefined;
    ackBytes = 0;
    awaitingPong = false;
    const s = tls ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    socket = s;
    s.setNoDelay(true);
    s.on(tls ? 'secureConnect' : 'connect', () => {
      s.write(connectPacket);
      pingTimer = setInterval(() => {
        if (awaitingPong) return fail(s, 'no answer to PINGREQ within the keepalive');
        awaitingPong = true;
        s.write(Buffer.from([0xc0, 0]));
      }, keepaliveS * 1000);
    });
    s.on('data', (chunk: Buffer) => onData(s, chunk));
    s.on('error', (err) => logger.warn({ err: err.message }, 'MQTT client error'));
    s.on('close', () => {
      clearInterval(pingTimer);
      if (socket === s) socket = undefined;
      if (ending) return;
      logger.warn('MQTT broker unreachable');
      reconnectTimer = setTimeout(open, reconnectMs);
    });
  }
  open();

  return {
    async endAsync(force = false): Promise<void> {
      ending = true;
      clearTimeout(reconnectTimer);
      const s = socket;
      if (!s || s.destroyed) return;
      if (force) {
        s.destroy();
        return;
      }
      if (groupScheduled) commitGroup(); // what is staged is persisted and acknowledged before leaving
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.end(Buffer.from([0xe0, 0])); // DISCONNECT
      });
    },
  };
}
