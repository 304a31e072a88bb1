// A JT/T 808 terminal over TCP (2011, 2013 or 2019), built on the codecs in core/: registers, authenticates,
// sends locations, blind-area batches and CAN data, and behaves like a real terminal where it matters —
// a message the platform has not answered is resent (after a reconnect, or after `resendAfterMs`), and the
// packages a platform's 0x8003 asks for are sent again.
// Used by the simulator, the tests and the benchmark.
import { connect, type Socket } from 'node:net';
import { encodeFrame, encodeMessage, parseMessage, unescapeFrame, FRAME_FLAG, type ProtocolEdition } from '../core/jt808-frame.ts';
import {
  decodeGeneralResponse, decodeRegisterResponse, decodeResendRequest, encodeAuth, encodeCanData, encodeLocation, encodeLocationBatch, encodeRegister,
  MSG, type LocationInput, type RegisterResponse, type TerminalEdition,
} from '../core/jt808-messages.ts';

export interface TerminalOptions {
  host: string;
  port: number;
  /** Terminal phone number (digits, as bound with POST /v1/terminals). */
  phone: string;
  /** 2011 terminals use the 2013 header; only their registration body differs. */
  edition: TerminalEdition;
  /** What 0x0100 names: with plate colour 0 the plate field carries the VIN. */
  plate: string | Uint8Array;
  plateColor?: number;
  /** Resend an unanswered message after this long (0 = only after a reconnect). */
  resendAfterMs?: number;
  /** Reconnect, re-authenticate and resend when the connection drops. */
  reconnect?: boolean;
  /** Body bytes per package for sub-packaged messages (≤ 1023). */
  packageBytes?: number;
  /** Package numbers (1-based) of sub-packaged messages not sent at first (tests of the platform's 0x8003). */
  withholdPackages?: readonly number[];
}

interface Outstanding {
  messageId: number;
  frames: Buffer[];
  waiting: Set<number>;
  result: number;
  sentAt: number;
  resolve: (result: number) => void;
}

export interface Jt808Terminal {
  connect(): Promise<void>;
  register(): Promise<RegisterResponse>;
  authenticate(authCode?: string): Promise<number>;
  /** Sends one message (sub-packaged if needed); resolves with the platform's 0x8001 result once every package is answered. */
  send(messageId: number, body: Uint8Array): Promise<number>;
  location(input: LocationInput): Promise<number>;
  batch(type: number, locations: readonly LocationInput[]): Promise<number>;
  canData(receivedAt: number, frames: ReadonlyArray<{ id: number; data: Uint8Array }>): Promise<number>;
  heartbeat(): Promise<number>;
  /** Writes raw bytes (hostile tests). */
  writeRaw(bytes: Uint8Array): void;
  unanswered(): number;
  /** Messages sent again because they were not answered (after a reconnect or a timeout). */
  resent(): number;
  readonly authCode: string | undefined;
  readonly connected: boolean;
  /** Resolves when the socket has closed (reconnects off). */
  closedOnce(): Promise<void>;
  close(): Promise<void>;
}

export function createJt808Terminal(opts: TerminalOptions): Jt808Terminal {
  let socket: Socket | undefined;
  let serial = 0;
  let authCode: string | undefined;
  let authenticated = false;
  let stopped = false;
  let buffered: Buffer = Buffer.alloc(0);
  const outstanding = new Map<number, Outstanding>();
  let registerWaiter: { serial: number; resolve: (r: RegisterResponse) => void } | undefined;
  const closeWaiters: Array<() => void> = [];
  let resendTimer: NodeJS.Timeout | undefined;
  let reconnecting: Promise<void> | undefined;
  let resends = 0;
  const headerEdition: ProtocolEdition = opts.edition === 2019 ? 2019 : 2013;

  function header(messageId: number, s: number) {
    return { messageId, edition: headerEdition, phone: opts.phone, serial: s, encryption: 0, ...(headerEdition === 2019 ? { protocolVersion: 1 } : {}) };
  }

  function nextSerials(n: number): number {
    const first = serial;
    serial = (serial + n) & 0xffff;
    return first;
  }

  function onFrame(escaped: Buffer): void {
    const message = unescapeFrame(escaped);
    if (!message) return;
    const parsed = parseMessage(message);
    if (!parsed.ok) return;
    const { header: h, body } = parsed.frame;
    if (h.messageId === MSG.registerResponse) {
      const res = decodeRegisterResponse(body);
      if (res.ok && registerWaiter && res.value.replySerial === registerWaiter.serial) {
        const w = registerWaiter;
        registerWaiter = undefined;
        w.resolve(res.value);
      }
      return;
    }
    if (h.messageId === MSG.resendRequest) {
      const req = decodeResendRequest(body, h.edition);
      const o = req.ok ? outstanding.get(req.value.originalSerial) : undefined;
      if (!req.ok || !o) return;
      for (const p of req.value.packages) {
        const frame = o.frames[p - 1];
        if (frame) socket?.write(frame);
      }
      o.sentAt = Date.now();
      return;
    }
    if (h.messageId !== MSG.platformGeneralResponse) return;
    const res = decodeGeneralResponse(body);
    if (!res.ok) return;
    for (const [key, o] of outstanding) {
      if (o.messageId !== res.value.replyId || !o.waiting.has(res.value.replySerial)) continue;
      o.waiting.delete(res.value.replySerial);
      if (res.value.result !== 0) o.result = res.value.result;
      if (o.waiting.size === 0) {
        outstanding.delete(key);
        o.resolve(o.result);
      }
      return;
    }
  }

  function onData(chunk: Buffer): void {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    for (;;) {
      const start = buffered.indexOf(FRAME_FLAG);
      if (start < 0) {
        buffered = Buffer.alloc(0);
        return;
      }
      const end = buffered.indexOf(FRAME_FLAG, start + 1);
      if (end < 0) {
        buffered = buffered.subarray(start);
        return;
      }
      if (end > start + 1) onFrame(buffered.subarray(start + 1, end));
      buffered = buffered.subarray(end + 1);
    }
  }

  function open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: opts.host, port: opts.port, noDelay: true });
      s.once('connect', () => {
        socket = s;
        buffered = Buffer.alloc(0);
        resolve();
      });
      s.once('error', reject);
      s.on('data', onData);
      s.on('close', () => {
        if (socket === s) {
          socket = undefined;
          authenticated = false;
          // An authentication in flight died with the connection; the reconnect authenticates anew.
          for (const [key, o] of outstanding) {
            if (o.messageId !== MSG.authenticate) continue;
            outstanding.delete(key);
            o.resolve(-1);
          }
          if (registerWaiter) registerWaiter.resolve({ replySerial: registerWaiter.serial, result: -1 });
          for (const w of closeWaiters.splice(0)) w();
          if (opts.reconnect && !stopped) void reconnectLoop();
        }
      });
      s.on('error', () => undefined);
    });
  }

  function reconnectLoop(): Promise<void> {
    reconnecting ??= (async () => {
      while (!stopped) {
        try {
          await open();
          if (authCode !== undefined && (await authenticateNow(authCode)) === 0) {
            for (const o of [...outstanding.values()].filter((o) => o.messageId !== MSG.authenticate)) {
              o.sentAt = Date.now();
              resends++;
              for (const frame of o.frames) socket?.write(frame);
            }
            return;
          }
          socket?.destroy();
        } catch {
          // gateway not up yet
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })().finally(() => (reconnecting = undefined));
    return reconnecting;
  }

  function sendFrames(messageId: number, frames: Buffer[], serials: number[]): Promise<number> {
    return new Promise((resolve) => {
      const o: Outstanding = { messageId, frames, waiting: new Set(serials), result: 0, sentAt: Date.now(), resolve };
      outstanding.set(serials[0]!, o);
      const withheld = frames.length > 1 ? new Set(opts.withholdPackages ?? []) : new Set<number>();
      if (socket) frames.forEach((f, i) => withheld.has(i + 1) || socket!.write(f));
    });
  }

  function send(messageId: number, body: Uint8Array): Promise<number> {
    const packageBytes = opts.packageBytes ?? 1023;
    const packages = Math.max(1, Math.ceil(body.length / packageBytes));
    const first = nextSerials(packages);
    const frames = encodeMessage(header(messageId, first), body, packageBytes);
    return sendFrames(messageId, frames, frames.map((_, i) => (first + i) & 0xffff));
  }

  async function authenticateNow(code: string): Promise<number> {
    const result = await send(MSG.authenticate, encodeAuth({ authCode: code, imei: '860000000000001', softwareVersion: 'sim-1.0' }, headerEdition));
    if (result === 0) authenticated = true;
    return result;
  }

  if (opts.resendAfterMs) {
    resendTimer = setInterval(() => {
      if (!socket || !authenticated) return;
      const now = Date.now();
      for (const o of outstanding.values()) {
        if (now - o.sentAt < opts.resendAfterMs!) continue;
        o.sentAt = now;
        resends++;
        for (const f of o.frames) socket.write(f);
      }
    }, Math.max(50, Math.floor(opts.resendAfterMs / 2)));
    resendTimer.unref();
  }

  return {
    connect: open,
    register() {
      const s = nextSerials(1);
      return new Promise((resolve) => {
        registerWaiter = { serial: s, resolve: (r) => {
          if (r.result === 0 && r.authCode) authCode = r.authCode;
          resolve(r);
        } };
        socket?.write(encodeFrame(header(MSG.register, s), encodeRegister({
          province: 31, city: 100, manufacturer: 'SIM01', model: 'JT808-SIM', terminalModelId: opts.phone.slice(-7),
          plateColor: opts.plateColor ?? 0, plate: opts.plate,
        }, opts.edition)));
      });
    },
    authenticate(code) {
      if (code !== undefined) authCode = code;
      if (authCode === undefined) return Promise.reject(new Error('no auth code: register first'));
      return authenticateNow(authCode);
    },
    send,
    location: (input) => send(MSG.location, encodeLocation(input)),
    batch: (type, locations) => send(MSG.locationBatch, encodeLocationBatch(type, locations)),
    canData: (receivedAt, frames) => send(MSG.canData, encodeCanData(receivedAt, frames)),
    heartbeat: () => send(MSG.heartbeat, Buffer.alloc(0)),
    writeRaw: (bytes) => void socket?.write(bytes),
    unanswered: () => outstanding.size,
    resent: () => resends,
    get authCode() {
      return authCode;
    },
    get connected() {
      return socket !== undefined;
    },
    closedOnce: () => new Promise((resolve) => (socket ? closeWaiters.push(resolve) : resolve())),
    async close() {
      stopped = true;
      clearInterval(resendTimer);
      const s = socket;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.end();
        setTimeout(() => s.destroy(), 1000).unref();
      });
    },
  };
}
