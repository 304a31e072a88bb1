// The TCP side of the gateway: accepts terminal connections within the per-address and total limits,
// splits each byte stream into frames for its session, and sweeps sessions for idle and authentication
// timeouts. One vehicle has one current connection: a newer authenticated one replaces the older.
import { createServer, Socket, type Server, type SocketConstructorOpts } from 'node:net';
import { MAX_BODY_BYTES } from '../core/jt808-frame.ts';
import type { Logger } from '../infra/logger.ts';
import type { GatewayConfig } from './config.ts';
import { createFrameReader, type FrameSink } from './frame-reader.ts';
import type { CloseReason, GatewayMetrics } from './metrics.ts';
import type { ServedVehicles } from './served-vehicles.ts';
import { createTerminalSession, type SessionDeps, type TerminalSession } from './session.ts';

/** Largest escaped frame: 2019 header with sub-package fields (21) + body + check code, every byte escaped. */
export const MAX_ESCAPED_FRAME_BYTES = 2 * (21 + MAX_BODY_BYTES + 1);

export interface GatewayServer {
  listen(): Promise<{ port: number }>;
  /** Stops accepting, closes every connection (each reports `offline`), resolves when they are published. */
  close(): Promise<void>;
  connections(): number;
  terminals(): number;
}

export function createGatewayServer(deps: {
  config: Pick<GatewayConfig, 'host' | 'port' | 'maxConnections' | 'maxConnectionsPerAddress'> & SessionDeps['config'];
  binding: SessionDeps['binding'];
  publisher: SessionDeps['publisher'];
  served: Pick<ServedVehicles, 'online' | 'offline'>;
  topicRoot: string;
  metrics: GatewayMetrics;
  logger: Logger;
  now?: () => number;
}): GatewayServer {
  const now = deps.now ?? Date.now;
  const perAddress = new Map<string, number>();
  const open = new Map<TerminalSession, Socket>();
  const currentOfVehicle = new Map<string, TerminalSession>();
  const closing: Array<Promise<void>> = [];

  const sessionDeps: SessionDeps = {
    binding: deps.binding,
    publisher: deps.publisher,
    topicRoot: deps.topicRoot,
    metrics: deps.metrics,
    logger: deps.logger,
    config: deps.config,
    now,
    claim(session, vin) {
      const previous = currentOfVehicle.get(vin);
      currentOfVehicle.set(vin, session);
      if (previous && previous !== session) {
        const socket = open.get(previous);
        if (socket) {
          closeReasons.set(socket, 'replaced');
          socket.destroy();
        }
      }
    },
    release(session, vin) {
      if (currentOfVehicle.get(vin) !== session) return false;
      currentOfVehicle.delete(vin);
      return true;
    },
    reported(vin, status) {
      // An `offline` acknowledged after the vehicle came back on a new connection leaves the record to that one.
      if (status === 'offline' && currentOfVehicle.has(vin)) return;
      (status === 'online' ? deps.served.online(vin) : deps.served.offline(vin)).catch((err: unknown) =>
        deps.logger.warn({ vin, status, err: err instanceof Error ? err.message : String(err) }, 'could not record the vehicle status in Redis'));
    },
  };
  const closeReasons = new WeakMap<Socket, CloseReason>();

  // Answers of one event-loop turn to one terminal (both of its outstanding frames acknowledged by one broker
  // read) leave in one socket write: they are copied into the connection's answer buffer, written at the end of
  // the turn.
  const queued: AnswerQueue[] = [];
  let flushScheduled = false;
  const flushAll = () => {
    flushScheduled = false;
    for (let i = 0; i < queued.length; i++) queued[i]!.flush();
    queued.length = 0;
  };
  const enqueue = (q: AnswerQueue) => {
    queued.push(q);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  };

  // Accepted paused: a connection within the limits is adopted by a socket that reads into one shared buffer.
  const server: Server = createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
    const address = accepted.remoteAddress ?? 'unknown';
    if (open.size >= deps.config.maxConnections) {
      deps.metrics.rejected.inc({ reason: 'connection_limit_total' });
      accepted.destroy();
      return;
    }
    const fromAddress = perAddress.get(address) ?? 0;
    if (fromAddress >= deps.config.maxConnectionsPerAddress) {
      deps.metrics.rejected.inc({ reason: 'connection_limit_address' });
      accepted.destroy();
      return;
    }
    perAddress.set(address, fromAddress + 1);
    const reader = createFrameReader({ maxFrameBytes: MAX_ESCAPED_FRAME_BYTES });
    const sink: FrameSink = {
      frame: (buf, start, end) => session.receiveFrame(buf, start, end),
      problem: (kind) => session.strike(kind),
    };
    const socket = adopt(accepted, (buf, length) => reader.pushTo(buf, sink, length));
    const answers = new AnswerQueue(socket, enqueue);
    const slot = table.add(now());
    const session = createTerminalSession({
      write: (frame) => answers.write(frame),
      heard: (at) => table.heard(slot, at),
      watch: (needed) => table.watch(slot, needed),
      close: (reason, graceful) => {
        if (!closeReasons.has(socket)) closeReasons.set(socket, reason);
        if (graceful) {
          answers.flush();
          socket.end();
        } else socket.destroy();
      },
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    }, sessionDeps);
    open.set(session, socket);
    table.sessions[slot] = session;
    socket.on('error', () => {
      if (!closeReasons.has(socket)) closeReasons.set(socket, 'socket_error');
    });
    socket.on('close', () => {
      open.delete(session);
      table.remove(slot);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
      deps.metrics.closed.inc({ reason: closeReasons.get(socket) ?? 'peer' });
      const done = session.closed();
      closing.push(done);
      void done.finally(() => closing.splice(closing.indexOf(done), 1));
    });
  });
  server.on('error', (err) => deps.logger.error({ err: err.message }, 'JT/T 808 server error'));

  const table = new SweepTable();
  let sweeper: NodeJS.Timeout | undefined;

  return {
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(deps.config.port, deps.config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      sweeper = setInterval(() => table.sweep(now(), 3 * deps.config.heartbeatMs), 1000);
      const address = server.address();
      return { port: typeof address === 'object' && address ? address.port : deps.config.port };
    },
    async close() {
      clearInterval(sweeper);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open.values()) {
        closeReasons.set(socket, 'shutdown');
        socket.destroy();
      }
      await stopped;
      await Promise.all([...closing]);
    },
    connections: () => open.size,
    terminals: () => currentOfVehicle.size,
  };
}

/** Answers are small (20–25 bytes for 0x8001): a turn's answers to one terminal fit this, or leave in several writes. */
const ANSWER_BUFFER_BYTES = 256;

/** The answers of this turn to one terminal, copied into one buffer and written at the end of the turn. */
class AnswerQueue {
  private out: Buffer | undefined;
  private length = 0;
  private queued = false;

  constructor(
    private readonly socket: Socket,
    private readonly enqueue: (q: AnswerQueue) => void,
  ) {}

  write(frame: Uint8Array): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    if (frame.length > ANSWER_BUFFER_BYTES) {
      this.flush();
      this.socket.write(Buffer.from(frame));
      return;
    }
    if (this.length + frame.length > ANSWER_BUFFER_BYTES) this.flush();
    this.out ??= Buffer.allocUnsafe(ANSWER_BUFFER_BYTES);
    this.out.set(frame, this.length);
    this.length += frame.length;
    if (!this.queued) {
      this.queued = true;
      this.enqueue(this);
    }
  }

  flush(): void {
    this.queued = false;
    const length = this.length;
    if (length === 0 || this.out === undefined) return;
    this.length = 0;
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(this.out.subarray(0, length));
    // Written at once (the usual case): the buffer is free again. Otherwise the socket holds it until written.
    if (this.socket.writableLength !== 0) this.out = undefined;
  }
}

/**
 * Which sessions the once-a-second sweep must look at, in arrays indexed by a slot per connection: the time of
 * each one's last frame, and whether it asked to be swept every second (not yet authenticated, a reassembly in
 * progress). The sweep reads these arrays and calls only the sessions that are idle or watched — not 10,000
 * sessions' objects every second.
 */
class SweepTable {
  sessions: Array<TerminalSession | undefined> = [];
  private lastFrame = new Float64Array(1024);
  private watched = new Uint8Array(1024);
  private free: number[] = [];
  private used = 0;

  add(at: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if (slot === this.lastFrame.length) {
        const lastFrame = new Float64Array(2 * slot);
        lastFrame.set(this.lastFrame);
        this.lastFrame = lastFrame;
        const watched = new Uint8Array(2 * slot);
        watched.set(this.watched);
        this.watched = watched;
      }
    }
    this.lastFrame[slot] = at;
    this.watched[slot] = 1;
    return slot;
  }

  heard(slot: number, at: number): void {
    this.lastFrame[slot] = at;
  }

  watch(slot: number, needed: boolean): void {
    this.watched[slot] = needed ? 1 : 0;
  }

  remove(slot: number): void {
    this.sessions[slot] = undefined;
    this.watched[slot] = 0;
    this.free.push(slot);
  }

  sweep(now: number, idleMs: number): void {
    const { lastFrame, watched, sessions } = this;
    for (let slot = 0; slot < this.used; slot++) {
      if (watched[slot] === 0 && now - lastFrame[slot]! <= idleMs) continue;
      sessions[slot]?.sweep(now);
    }
  }
}

/**
 * One buffer every terminal connection reads into: each read is handled (split into frames, decoded, published)
 * before the next one, and what must outlive a read is copied (a frame cut across reads, frames held during an
 * authentication check, sub-packages).
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * The accepted connection as a socket created with Node's `onread` option: reads land in READ_BUFFER and reach
 * `onRead` directly — no buffer allocated per read, no stream 'data' event, no next-tick per read (about a sixth
 * of the gateway's CPU per frame went there). `net.Server` has no such option, so the connection, accepted paused,
 * hands its handle to a new socket; the accepted socket object is dropped (destroyed without its handle, which
 * also takes it out of the server's connection count). Where the handle is not reachable (another Node version),
 * the accepted socket itself is used, with 'data' events.
 */
function adopt(accepted: Socket, onRead: (buf: Buffer, length: number) => void): Socket {
  const internals = accepted as unknown as { _handle?: object | null };
  const handle = internals._handle;
  if (handle === null || typeof handle !== 'object') {
    accepted.on('data', (chunk: Buffer) => onRead(chunk, chunk.length));
    accepted.resume();
    return accepted;
  }
  internals._handle = null;
  accepted.destroy();
  return new Socket({
    handle, allowHalfOpen: false, readable: true, writable: true,
    onread: { buffer: READ_BUFFER, callback: (length: number, buf: Uint8Array) => onRead(buf as Buffer, length) },
  } as SocketConstructorOpts);
}
