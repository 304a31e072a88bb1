// The TCP side of the gateway: accepts terminal connections within the per-address and total limits,
// splits each byte stream into frames for its session, and sweeps sessions for idle and authentication
// timeouts. One vehicle has one current connection: a newer authenticated one replaces the older.
import { createServer, type Server, type Socket } from 'node:net';
import { MAX_BODY_BYTES } from '../core/jt808-frame.ts';
import type { Logger } from '../infra/logger.ts';
import type { GatewayConfig } from './config.ts';
import { createFrameReader, type ReaderEvent } from './frame-reader.ts';
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
  // read) leave in one socket write: a socket is corked at its first answer of the turn, uncorked after it.
  const corked: Socket[] = [];
  const uncorkAll = () => {
    for (const socket of corked) socket.uncork();
    corked.length = 0;
  };

  const server: Server = createServer({ noDelay: true }, (socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    if (open.size >= deps.config.maxConnections) {
      deps.metrics.rejected.inc({ reason: 'connection_limit_total' });
      socket.destroy();
      return;
    }
    const fromAddress = perAddress.get(address) ?? 0;
    if (fromAddress >= deps.config.maxConnectionsPerAddress) {
      deps.metrics.rejected.inc({ reason: 'connection_limit_address' });
      socket.destroy();
      return;
    }
    perAddress.set(address, fromAddress + 1);
    const session = createTerminalSession({
      write: (frame) => {
        if (socket.destroyed || !socket.writable) return;
        if (socket.writableCorked === 0) {
          socket.cork();
          if (corked.push(socket) === 1) setImmediate(uncorkAll);
        }
        socket.write(frame);
      },
      close: (reason, graceful) => {
        if (!closeReasons.has(socket)) closeReasons.set(socket, reason);
        if (graceful) socket.end();
        else socket.destroy();
      },
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    }, sessionDeps);
    open.set(session, socket);
    const reader = createFrameReader({ maxFrameBytes: MAX_ESCAPED_FRAME_BYTES });
    const onEvent = (event: ReaderEvent) => {
      if (event.kind === 'frame') session.receive(event.escaped);
      else session.strike(event.kind);
    };
    socket.on('data', (chunk: Buffer) => reader.push(chunk, onEvent));
    socket.on('error', () => {
      if (!closeReasons.has(socket)) closeReasons.set(socket, 'socket_error');
    });
    socket.on('close', () => {
      open.delete(session);
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
      sweeper = setInterval(() => {
        const t = now();
        for (const session of open.keys()) session.sweep(t);
      }, 1000);
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
