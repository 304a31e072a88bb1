// One terminal connection: JT/T 808 messages → the MQTT device contract (docs/protocol.md), answers after
// the broker's PUBACK. Decoders turn bytes into reports; nothing downstream knows the protocol.
//   0x0100 register → 0x8100        0x0102 authenticate → 0x8001     0x0002 heartbeat, 0x0003 logout → 0x8001
//   0x0200 location → position (+ alarm)                         0x0704 batch → position array, oldest first
//   0x0705 CAN → DM1 (single frame or BAM) → dm1 snapshot on change   0x0900 pass-through → accepted, ignored
import { alarmTopic, CRITICAL_ALARM_MASK, criticalAlarmsOf, type AlarmMessage } from '../core/alarm.ts';
import { createBamReassembler, decodeDm1, parseCanId, PGN_DM1, PGN_TP_CM, PGN_TP_DT, type Dm1 } from '../core/j1939-can.ts';
import { decodeBcd } from '../core/jt808-bcd.ts';
import {
  createHeaderView, encodeFrame, ESCAPE, FRAME_FLAG, headerOf, parseMessageInto, terminalIdOf, unescapeFrame, type FrameHeader, type ProtocolEdition,
} from '../core/jt808-frame.ts';
import {
  createRawLocation, decodeAuth, decodeCanData, decodeLocationBatch, decodeRegister, encodeRegisterResponse, encodeResendRequest,
  GENERAL_RESULT, locationReportOf, MSG, readLocation, REGISTER_RESULT, STATUS_BIT, type LocationReport, type RawLocation,
} from '../core/jt808-messages.ts';
import type { Dtc, Lamps } from '../core/j1939.ts';
import { MAX_RECORDS_PER_MESSAGE } from '../core/telemetry.ts';
import { deviceTopic } from '../core/topics.ts';
import type { Logger } from '../infra/logger.ts';
import type { TerminalBinding } from '../terminals/terminal-binding.ts';
import type { GatewayConfig } from './config.ts';
import type { CloseReason, GatewayMetrics, RejectionReason } from './metrics.ts';
import { MAX_POSITION_JSON_BYTES, positionJson, writePositionJson } from './position-json.ts';
import type { Publisher } from './publisher.ts';
import { createSubPackageAssembler } from './subpackages.ts';

export { positionJson } from './position-json.ts';

export interface Connection {
  /** Queues the bytes of an answer (copied before it returns: the caller may reuse `frame`). */
  write(frame: Uint8Array): void;
  /** `graceful`: after pending writes (logout); otherwise at once. */
  close(reason: CloseReason, graceful?: boolean): void;
  pause(): void;
  resume(): void;
  /** A frame arrived at `at` (the sweep's idle check reads it without calling the session). */
  heard(at: number): void;
  /** Whether the session needs `sweep` every second, beyond its idle check (authentication, reassembly). */
  watch(needed: boolean): void;
}

export interface SessionDeps {
  binding: Pick<TerminalBinding, 'register' | 'authenticate' | 'logout'>;
  publisher: Pick<Publisher, 'publish' | 'send' | 'sendWith'>;
  topicRoot: string;
  metrics: GatewayMetrics;
  logger: Logger;
  config: Pick<GatewayConfig, 'maxBadFrames' | 'maxPackagesPerMessage' | 'maxPendingMessages' | 'reassemblyTimeoutMs' | 'maxInFlightPerTerminal' | 'heartbeatMs' | 'authTimeoutMs'>;
  now: () => number;
  /** The session authenticated as `vin`: an older connection of that vehicle is closed. */
  claim(session: TerminalSession, vin: string): void;
  /** The session ends; true when it was the vehicle's current connection (then it reports `offline`). */
  release(session: TerminalSession, vin: string): boolean;
  /** The broker acknowledged the vehicle's retained `online` / `offline` published by this session. */
  reported(vin: string, status: 'online' | 'offline'): void;
}

export interface TerminalSession {
  /** One escaped frame (bytes between two 0x7E). */
  receive(escaped: Buffer): void;
  /** The escaped frame `buf[start, end)`, valid only during the call (a shared read buffer): kept bytes are copied. */
  receiveFrame(buf: Buffer, start: number, end: number): void;
  /** A framing problem found before a frame existed (garbage, oversized). */
  strike(reason: RejectionReason): void;
  /** Periodic check: idle and authentication timeouts, expired reassemblies. */
  sweep(now: number): void;
  /** The socket closed. Resolves when `offline` is published (if it is this session's to publish). */
  closed(): Promise<void>;
  readonly vin: string | undefined;
}

const MAX_GATED_FRAMES = 64;
const MAX_BAM_TRANSFERS = 16;

/**
 * One message on its way to the broker: answered when `waiting` reaches 0 without a refusal. Carries what the
 * answer needs (no header object: the per-frame path has none).
 */
interface Delivery {
  messageId: number;
  phone: string;
  edition: ProtocolEdition;
  /** 2019 protocol version byte, -1 in 2013. */
  version: number;
  /** Serial to answer, or the serials of every package of a sub-packaged message. */
  serial: number;
  serials: readonly number[] | undefined;
  waiting: number;
  refused: Error | undefined;
  /** Critical alarm bits and DM1 set that become the published state once everything is acknowledged. */
  alarms: number;
  dm1Key: string | undefined;
  records: number;
  /** Channels published, when not the one `position` of a location. */
  channels: Array<Publication['channel']> | undefined;
}

interface Publication {
  topic: string;
  payload: string;
  channel: 'position' | 'dm1' | 'status' | 'alarm';
  records?: number;
  retain?: boolean;
}

/** Frame fields of the one frame being handled (the gateway handles one frame at a time, synchronously). */
const view = createHeaderView();
/** The location being handled, and the argument of `writePosition`. */
const position = { raw: createRawLocation() as RawLocation, seq: 0 };
const writePosition = (buf: Buffer, at: number, p: typeof position) => writePositionJson(buf, at, p.raw, p.seq);

function mergeDm1(bySource: ReadonlyMap<number, Dm1>): { lamps: Lamps; dtcs: Dtc[] } {
  const lamps: Lamps = { mil: false, redStop: false, amberWarning: false, protect: false };
  const byCode = new Map<number, Dtc>();
  for (const dm1 of bySource.values()) {
    lamps.mil ||= dm1.lamps.mil;
    lamps.redStop ||= dm1.lamps.redStop;
    lamps.amberWarning ||= dm1.lamps.amberWarning;
    lamps.protect ||= dm1.lamps.protect;
    for (const dtc of dm1.dtcs) {
      const key = dtc.spn * 32 + dtc.fmi;
      const seen = byCode.get(key);
      if (!seen || seen.oc < dtc.oc) byCode.set(key, dtc);
    }
  }
  return { lamps, dtcs: [...byCode.values()].sort((a, b) => a.spn - b.spn || a.fmi - b.fmi) };
}

export function createTerminalSession(conn: Connection, deps: SessionDeps): TerminalSession {
  const { metrics, config } = deps;
  const connectedAt = deps.now();
  let lastFrameAt = connectedAt;
  let phone: string | undefined;
  let vin: string | undefined;
  let ended = false;
  let badFrames = 0;
  let platformSerial = 0;
  let inFlight = 0;
  let paused = false;
  /** Frames that arrived while a registration or authentication was being checked. */
  let gate: Buffer[] | undefined;
  const subPackages = createSubPackageAssembler({
    maxPending: config.maxPendingMessages, maxPackages: config.maxPackagesPerMessage, timeoutMs: config.reassemblyTimeoutMs,
  });
  const bam = createBamReassembler({ maxTransfers: MAX_BAM_TRANSFERS, timeoutMs: config.reassemblyTimeoutMs });
  const dm1BySource = new Map<number, Dm1>();
  /** State last acknowledged by the broker: a failed publish leaves it, so the terminal's resend publishes again. */
  let publishedDm1: string | undefined;
  let publishedAlarms = 0;
  let lastFix: { lat: number; lon: number } | undefined;
  /** The vehicle's position topic, set at authentication (built once, used for every location), and its bytes. */
  let positionTopic = '';
  let positionTopicBytes: Uint8Array = new Uint8Array(0);

  function count(reason: RejectionReason): void {
    metrics.rejected.inc({ reason });
  }

  function strike(reason: RejectionReason): void {
    count(reason);
    if (++badFrames >= config.maxBadFrames && !ended) {
      deps.logger.info({ phone, vin, reason, badFrames }, 'closing abusive connection');
      end('abusive');
    }
  }

  function end(reason: CloseReason, graceful = false): void {
    if (ended) return;
    ended = true;
    conn.close(reason, graceful);
  }

  /** Header of the platform's answers, in the terminal's edition; built once, its id and serial set per answer. */
  let reply: FrameHeader | undefined;

  function answer(header: FrameHeader, messageId: number, body: Buffer): void {
    if (reply === undefined || reply.phone !== header.phone || reply.edition !== header.edition) {
      reply = { messageId, edition: header.edition, phone: header.phone, serial: 0, encryption: 0 };
      if (header.protocolVersion !== undefined) reply.protocolVersion = header.protocolVersion;
    }
    reply.messageId = messageId;
    reply.serial = platformSerial;
    conn.write(encodeFrame(reply, body));
    platformSerial = (platformSerial + 1) & 0xffff;
  }

  /**
   * 0x8001 frames to this terminal, written into one reused frame: the header (id, properties, version, phone) is
   * fixed per phone and edition, only the platform serial, the body (reply serial, reply id, result) and the check
   * code change. The connection copies each frame before `write` returns.
   */
  let generalFrame: Buffer | undefined;
  let generalPhone: string | undefined;
  let generalEdition: ProtocolEdition = 2013;
  let generalVersion = -1;
  /** Offset of the platform serial in `generalFrame`, and the XOR of the fixed message bytes before it. */
  let generalSerialAt = 0;
  let generalFixedSum = 0;

  function generalTo(framePhone: string, edition: ProtocolEdition, version: number, replySerial: number, replyId: number, result: number): void {
    if (framePhone !== generalPhone || edition !== generalEdition || version !== generalVersion) {
      const header: FrameHeader = { messageId: MSG.platformGeneralResponse, edition, phone: framePhone, serial: 0, encryption: 0 };
      if (edition === 2019) header.protocolVersion = version;
      const frame = encodeFrame(header, Buffer.alloc(5));
      generalSerialAt = frame.length - 9;
      // A fixed byte that needs escaping (a 2019 version byte of 0x7D or 0x7E): every answer through encodeFrame.
      if (frame.length !== generalSerialAt + 9 || frame.length !== (edition === 2019 ? 25 : 20)) generalFrame = undefined;
      else {
        generalFrame = frame;
        let sum = 0;
        for (let i = 1; i < generalSerialAt; i++) sum ^= frame[i]!;
        generalFixedSum = sum;
      }
      generalPhone = framePhone;
      generalEdition = edition;
      generalVersion = version;
    }
    const f = generalFrame;
    const at = generalSerialAt;
    if (f !== undefined) {
      f[at] = platformSerial >> 8;
      f[at + 1] = platformSerial & 0xff;
      f[at + 2] = replySerial >> 8;
      f[at + 3] = replySerial & 0xff;
      f[at + 4] = replyId >> 8;
      f[at + 5] = replyId & 0xff;
      f[at + 6] = result;
      let sum = generalFixedSum;
      let clean = true;
      for (let i = at; i < at + 7; i++) {
        const byte = f[i]!;
        sum ^= byte;
        if (byte === FRAME_FLAG || byte === ESCAPE) clean = false;
      }
      f[at + 7] = sum;
      if (clean && sum !== FRAME_FLAG && sum !== ESCAPE) {
        conn.write(f);
        platformSerial = (platformSerial + 1) & 0xffff;
        return;
      }
    }
    // Something to escape: the general encoder.
    const body = Buffer.allocUnsafe(5);
    body.writeUInt16BE(replySerial, 0);
    body.writeUInt16BE(replyId, 2);
    body[4] = result;
    const header: FrameHeader = { messageId: MSG.platformGeneralResponse, edition, phone: framePhone, serial: platformSerial, encryption: 0 };
    if (edition === 2019) header.protocolVersion = version;
    conn.write(encodeFrame(header, body));
    platformSerial = (platformSerial + 1) & 0xffff;
  }

  function general(header: FrameHeader, serials: readonly number[], result: number): void {
    for (const serial of serials) generalTo(header.phone, header.edition, header.protocolVersion ?? -1, serial, header.messageId, result);
  }

  /**
   * Publishes everything, then answers; on any refusal the terminal is not answered and resends. What the broker
   * acknowledged moves the session's published state (critical alarm bits, DM1 set) forward. One plain object per
   * message carries the state to the publisher's callback (no closure per frame).
   */
  function deliver(header: FrameHeader, serials: readonly number[], publications: readonly Publication[], alarms: number, dm1Key?: string): void {
    if (publications.length === 0) {
      acknowledged(alarms, dm1Key);
      general(header, serials, GENERAL_RESULT.success);
      return;
    }
    if (++inFlight >= config.maxInFlightPerTerminal && !paused) {
      paused = true;
      conn.pause();
    }
    const delivery: Delivery = {
      messageId: header.messageId, phone: header.phone, edition: header.edition, version: header.protocolVersion ?? -1,
      serial: serials[0]!, serials: serials.length === 1 ? undefined : serials, waiting: publications.length, refused: undefined,
      alarms, dm1Key, records: 0, channels: undefined,
    };
    if (publications.length > 1 || publications[0]!.channel !== 'position') delivery.channels = publications.map((p) => p.channel);
    for (const p of publications) delivery.records += p.records ?? 0;
    for (const p of publications) deps.publisher.send(p.topic, p.payload, p.retain === true, settled, delivery);
  }

  function acknowledged(alarms: number, dm1Key: string | undefined): void {
    publishedAlarms = alarms;
    if (dm1Key !== undefined) publishedDm1 = dm1Key;
  }

  function settled(err: Error | undefined, delivery: Delivery): void {
    if (err) delivery.refused ??= err;
    if (--delivery.waiting > 0) return;
    inFlight--;
    if (paused && inFlight < config.maxInFlightPerTerminal) {
      paused = false;
      conn.resume();
    }
    if (delivery.refused) {
      count('broker_unavailable');
      deps.logger.debug({ vin, err: delivery.refused.message }, 'publish refused; terminal left to resend');
      return;
    }
    if (delivery.channels) for (const channel of delivery.channels) metrics.publishedTo(channel);
    else metrics.publishedTo('position');
    if (delivery.records) metrics.recordsPublished(delivery.records);
    acknowledged(delivery.alarms, delivery.dm1Key);
    if (ended) return;
    const { phone: p, edition, version, messageId } = delivery;
    if (delivery.serials === undefined) generalTo(p, edition, version, delivery.serial, messageId, GENERAL_RESULT.success);
    else for (const serial of delivery.serials) generalTo(p, edition, version, serial, messageId, GENERAL_RESULT.success);
  }

  function alarmPublications(reports: readonly LocationReport[], out: Publication[]): number {
    let state = publishedAlarms;
    for (const r of reports) {
      const critical = (r.alarmBits & CRITICAL_ALARM_MASK) >>> 0;
      if (critical !== 0 && critical !== state) {
        const fix = ((r.statusBits >>> STATUS_BIT.positioned) & 1) === 1;
        const message: AlarmMessage = {
          ts: r.ts, alarms: criticalAlarmsOf(r.alarmBits), alarmBits: r.alarmBits >>> 0,
          ...(fix ? { lat: r.lat, lon: r.lon } : {}),
          ...(r.speedKmh <= 400 ? { speedKmh: r.speedKmh } : {}),
        };
        out.push({ topic: alarmTopic(deps.topicRoot, vin!), payload: JSON.stringify(message), channel: 'alarm' });
      }
      state = critical;
    }
    return state;
  }

  /**
   * 0x0200 of an authenticated terminal, read in place from the frame (`m[bodyStart, bodyEnd)`): the position JSON
   * is written from the frame's integers straight into the MQTT buffer. A critical alarm takes the general path.
   */
  function onLocationFrame(m: Buffer, bodyStart: number, bodyEnd: number, framePhone: string, edition: ProtocolEdition, version: number, serial: number): void {
    metrics.accepted(MSG.location);
    const raw = position.raw;
    if (readLocation(raw, m, bodyStart, bodyEnd) !== undefined) {
      count('bad_body');
      generalTo(framePhone, edition, version, serial, MSG.location, GENERAL_RESULT.messageError);
      return;
    }
    if ((raw.alarmBits & CRITICAL_ALARM_MASK) !== 0) {
      onLocation(headerOf(view, m, framePhone), locationReportOf(raw), [serial]);
      return;
    }
    if (((raw.statusBits >>> STATUS_BIT.positioned) & 1) === 0) {
      // Nothing to place on a map, no critical alarm: nothing to publish.
      acknowledged(0, undefined);
      generalTo(framePhone, edition, version, serial, MSG.location, GENERAL_RESULT.success);
      return;
    }
    lastFix ??= { lat: 0, lon: 0 };
    lastFix.lat = ((raw.statusBits >>> STATUS_BIT.south) & 1 ? -raw.latRaw : raw.latRaw) / 1e6;
    lastFix.lon = ((raw.statusBits >>> STATUS_BIT.west) & 1 ? -raw.lonRaw : raw.lonRaw) / 1e6;
    if (++inFlight >= config.maxInFlightPerTerminal && !paused) {
      paused = true;
      conn.pause();
    }
    const delivery: Delivery = {
      messageId: MSG.location, phone: framePhone, edition, version, serial, serials: undefined, waiting: 1, refused: undefined,
      alarms: 0, dm1Key: undefined, records: 1, channels: undefined,
    };
    position.seq = serial;
    deps.publisher.sendWith(positionTopicBytes, MAX_POSITION_JSON_BYTES, writePosition, position, false, settled, delivery);
  }

  /** 0x0200 through the general path (a sub-packaged one). */
  function onLocationBody(header: FrameHeader, body: Buffer, serials: readonly number[]): void {
    const raw = position.raw;
    if (readLocation(raw, body) !== undefined) {
      count('bad_body');
      general(header, serials, GENERAL_RESULT.messageError);
      return;
    }
    onLocation(header, locationReportOf(raw), serials);
  }

  function onLocation(header: FrameHeader, report: LocationReport, serials: readonly number[]): void {
    const publications: Publication[] = [];
    const json = positionJson(report, header.serial);
    if (json !== undefined) {
      lastFix = { lat: report.lat, lon: report.lon };
      publications.push({ topic: positionTopic, payload: json, channel: 'position', records: 1 });
    }
    const alarms = (report.alarmBits & CRITICAL_ALARM_MASK) === 0 ? 0 : alarmPublications([report], publications);
    deliver(header, serials, publications, alarms);
  }

  function onBatch(header: FrameHeader, body: Buffer, serials: readonly number[]): void {
    const decoded = decodeLocationBatch(body);
    if (!decoded.ok) {
      count('bad_body');
      general(header, serials, GENERAL_RESULT.messageError);
      return;
    }
    if (decoded.value.rejected.length) {
      count('bad_body');
      deps.logger.info({ vin, rejected: decoded.value.rejected.slice(0, 5) }, 'batch items skipped');
    }
    // Oldest first, device times kept: the ingester orders by device time anyway, the contract asks for it.
    const reports = [...decoded.value.items].sort((a, b) => a.ts - b.ts);
    const positions = reports.map((r) => positionJson(r)).filter((p): p is string => p !== undefined);
    const publications: Publication[] = [];
    for (let i = 0; i < positions.length; i += MAX_RECORDS_PER_MESSAGE) {
      const chunk = positions.slice(i, i + MAX_RECORDS_PER_MESSAGE);
      publications.push({ topic: positionTopic, payload: '[' + chunk.join(',') + ']', channel: 'position', records: chunk.length });
    }
    const newest = reports[reports.length - 1];
    if (newest && ((newest.statusBits >>> STATUS_BIT.positioned) & 1) === 1) lastFix = { lat: newest.lat, lon: newest.lon };
    const alarms = alarmPublications(reports, publications);
    deliver(header, serials, publications, alarms);
  }

  function onCanData(header: FrameHeader, body: Buffer, serials: readonly number[]): void {
    const now = deps.now();
    const decoded = decodeCanData(body, now);
    if (!decoded.ok) {
      count('bad_body');
      general(header, serials, GENERAL_RESULT.messageError);
      return;
    }
    let sawDm1 = false;
    for (const frame of decoded.value.frames) {
      if (!frame.extended) continue;
      const id = parseCanId(frame.id);
      if (id.pgn === PGN_DM1) {
        const dm1 = decodeDm1(frame.data);
        if (dm1) {
          dm1BySource.set(id.source, dm1);
          sawDm1 = true;
        }
      } else if (id.pgn === PGN_TP_CM || id.pgn === PGN_TP_DT) {
        const outcome = bam.accept(frame, now);
        if (outcome.kind === 'pending') conn.watch(true);
        if (outcome.kind === 'rejected') count(outcome.reason);
        else if (outcome.kind === 'complete' && outcome.pgn === PGN_DM1) {
          const dm1 = decodeDm1(outcome.payload);
          if (dm1) {
            dm1BySource.set(outcome.source, dm1);
            sawDm1 = true;
          }
        }
      }
    }
    const publications: Publication[] = [];
    let key: string | undefined;
    if (sawDm1) {
      const merged = mergeDm1(dm1BySource);
      key = JSON.stringify(merged);
      if (key !== publishedDm1) {
        const snapshot = { ts: decoded.value.receivedAt, ...(lastFix ?? {}), lamps: merged.lamps, dtcs: merged.dtcs };
        publications.push({ topic: deviceTopic(deps.topicRoot, vin!, 'dm1'), payload: JSON.stringify(snapshot), channel: 'dm1' });
      }
    }
    deliver(header, serials, publications, publishedAlarms, key);
  }

  async function onRegister(header: FrameHeader, body: Buffer): Promise<void> {
    const request = decodeRegister(body, header.edition);
    if (!request.ok) {
      count('bad_body');
      general(header, [header.serial], GENERAL_RESULT.messageError);
      return;
    }
    const outcome = await deps.binding.register(terminalIdOf(header.phone), request.value);
    if (outcome.result === REGISTER_RESULT.success) {
      answer(header, MSG.registerResponse, encodeRegisterResponse({ replySerial: header.serial, result: outcome.result, authCode: outcome.authCode }));
      deps.logger.info({ terminal: terminalIdOf(header.phone), vin: outcome.vin, edition: request.value.edition }, 'terminal registered');
    } else {
      answer(header, MSG.registerResponse, encodeRegisterResponse({ replySerial: header.serial, result: outcome.result }));
      deps.logger.info({ terminal: terminalIdOf(header.phone), result: outcome.result, detail: outcome.detail }, 'registration refused');
      strike('register_refused');
    }
  }

  async function onAuthenticate(header: FrameHeader, body: Buffer): Promise<void> {
    const request = decodeAuth(body, header.edition);
    if (!request.ok) {
      count('bad_body');
      general(header, [header.serial], GENERAL_RESULT.messageError);
      return;
    }
    const outcome = await deps.binding.authenticate(terminalIdOf(header.phone), request.value.authCode);
    if (!outcome.ok) {
      general(header, [header.serial], GENERAL_RESULT.failure);
      deps.logger.info({ terminal: terminalIdOf(header.phone), detail: outcome.detail }, 'authentication refused');
      strike('auth_failed');
      return;
    }
    if (ended) return;
    if (vin !== undefined && vin !== outcome.vin) deps.release(session, vin);
    vin = outcome.vin;
    positionTopic = deviceTopic(deps.topicRoot, vin, 'position');
    positionTopicBytes = Buffer.from(positionTopic, 'utf8');
    deps.claim(session, vin);
    general(header, [header.serial], GENERAL_RESULT.success);
    const online = vin;
    deps.publisher.publish(deviceTopic(deps.topicRoot, vin, 'status'), 'online', true).then(
      () => {
        metrics.publishedTo('status');
        deps.reported(online, 'online');
      },
      (err: unknown) => deps.logger.warn({ vin, err: String(err) }, 'could not publish online status'),
    );
  }

  /** Registration and authentication are checked in Redis; frames behind them wait in order. */
  function gated(work: Promise<void>): void {
    gate = [];
    work
      .catch((err: unknown) => deps.logger.warn({ phone, err: err instanceof Error ? err.message : String(err) }, 'terminal check failed; no answer, the terminal retries'))
      .finally(() => {
        const waiting = gate ?? [];
        gate = undefined;
        for (const frame of waiting) if (!heldBack(frame)) receive(frame);
      });
  }

  /** While a check is running, a frame waits behind it (a frame released by one check may start another). */
  function heldBack(frame: Buffer): boolean {
    if (gate === undefined) return false;
    gate.push(frame);
    return true;
  }

  function dispatch(header: FrameHeader, body: Buffer, serials: readonly number[]): void {
    switch (header.messageId) {
      case MSG.register:
        metrics.accepted(header.messageId);
        return gated(onRegister(header, body));
      case MSG.authenticate:
        metrics.accepted(header.messageId);
        return gated(onAuthenticate(header, body));
      case MSG.terminalGeneralResponse:
        metrics.accepted(header.messageId);
        return;
    }
    if (vin === undefined) {
      strike('unauthenticated');
      general(header, serials, GENERAL_RESULT.failure);
      return;
    }
    switch (header.messageId) {
      case MSG.heartbeat:
        metrics.accepted(header.messageId);
        return general(header, serials, GENERAL_RESULT.success);
      case MSG.location:
        metrics.accepted(header.messageId);
        return onLocationBody(header, body, serials);
      case MSG.locationBatch:
        metrics.accepted(header.messageId);
        return onBatch(header, body, serials);
      case MSG.canData:
        metrics.accepted(header.messageId);
        return onCanData(header, body, serials);
      case MSG.passThrough:
        // No pass-through sub-type is used by the product: accepted so the terminal does not resend it.
        metrics.accepted(header.messageId);
        return general(header, serials, GENERAL_RESULT.success);
      case MSG.logout:
        metrics.accepted(header.messageId);
        gated(deps.binding.logout(terminalIdOf(header.phone)).then(() => {
          general(header, serials, GENERAL_RESULT.success);
          end('logout', true);
        }));
        return;
      default:
        count('unknown_message');
        general(header, serials, GENERAL_RESULT.unsupported);
    }
  }

  /** The digits of the header's phone number; the same string object while the bytes are the same. */
  let phoneHigh = -1;
  let phoneLow = -1;
  let phoneText = '';

  function phoneOf(m: Buffer, at: number, bytes: number): string {
    // The BCD bytes as two numbers (the first 4 of 10, the last 6): equal numbers, equal digits.
    const high = bytes === 10 ? m.readUInt32BE(at) : 0;
    const low = m.readUIntBE(at + bytes - 6, 6);
    if (high === phoneHigh && low === phoneLow && phoneText.length === 2 * bytes) return phoneText;
    phoneHigh = high;
    phoneLow = low;
    phoneText = decodeBcd(m, at, bytes)!; // checked by parseMessageInto
    return phoneText;
  }

  function receive(escaped: Buffer): void {
    receiveFrame(escaped, 0, escaped.length);
  }

  function receiveFrame(buf: Buffer, start: number, end: number): void {
    if (ended) return;
    if (gate) {
      if (gate.length >= MAX_GATED_FRAMES) strike('unauthenticated');
      else gate.push(Buffer.from(buf.subarray(start, end))); // copied: `buf` may be a reused read buffer
      return;
    }
    // Without a 0x7D (nearly always) the frame is read in place; otherwise from its unescaped copy.
    let m = buf;
    let from = start;
    let to = end;
    for (let i = start; i < end; i++) {
      if (buf[i] !== ESCAPE) continue;
      const unescaped = unescapeFrame(buf.subarray(start, end));
      if (!unescaped) return strike('bad_escape');
      m = unescaped;
      from = 0;
      to = unescaped.length;
      break;
    }
    const rejection = parseMessageInto(view, m, from, to);
    if (rejection !== undefined) return strike(rejection);
    const framePhone = phoneOf(m, view.phoneAt, view.phoneBytes);
    if (phone === undefined) phone = framePhone;
    else if (framePhone !== phone && terminalIdOf(framePhone) !== terminalIdOf(phone)) return strike('phone_mismatch');
    lastFrameAt = deps.now();
    conn.heard(lastFrameAt);
    if (view.messageId === MSG.location && view.subTotal === 0 && view.encryption === 0 && vin !== undefined) {
      return onLocationFrame(m, view.bodyStart, view.bodyEnd, framePhone, view.edition, view.protocolVersion, view.serial);
    }
    const header = headerOf(view, m, framePhone);
    const body = m.subarray(view.bodyStart, view.bodyEnd);
    if (header.encryption !== 0) {
      count('encrypted');
      general(header, [header.serial], GENERAL_RESULT.unsupported);
      return;
    }
    if (!header.subPackage) return dispatch(header, body, [header.serial]);
    if (vin === undefined) {
      strike('unauthenticated');
      general(header, [header.serial], GENERAL_RESULT.failure);
      return;
    }
    const outcome = subPackages.add(header as FrameHeader & { subPackage: NonNullable<FrameHeader['subPackage']> }, body, lastFrameAt);
    if (outcome.kind === 'pending') conn.watch(true);
    if (outcome.kind === 'rejected') {
      strike(outcome.reason);
      general(header, [header.serial], GENERAL_RESULT.failure);
    } else if (outcome.kind === 'complete') dispatch(outcome.header, outcome.body, outcome.serials);
  }

  const session: TerminalSession = {
    receive,
    receiveFrame,
    strike,
    // Runs every second for every connection: without reassembly in progress it is two comparisons.
    sweep(now) {
      if (ended) return;
      if (vin === undefined && now - connectedAt > config.authTimeoutMs) return end('auth_timeout');
      if (now - lastFrameAt > 3 * config.heartbeatMs) return end('idle');
      if (subPackages.size() > 0) {
        for (const message of subPackages.overdue(now)) {
          metrics.resendRequests.inc();
          answer(message.header, MSG.resendRequest, encodeResendRequest({ originalSerial: message.first, packages: message.missing }, message.header.edition));
        }
        const expiredMessages = subPackages.expire(now);
        if (expiredMessages) metrics.rejected.inc({ reason: 'subpackage_timeout' }, expiredMessages);
      }
      if (bam.size() > 0) {
        const expiredTransfers = bam.expire(now);
        if (expiredTransfers) metrics.rejected.inc({ reason: 'bam_timeout' }, expiredTransfers);
      }
      if (!ended) conn.watch(vin === undefined || subPackages.size() > 0 || bam.size() > 0);
    },
    async closed() {
      ended = true;
      if (vin === undefined || !deps.release(session, vin)) return;
      const offline = vin;
      await deps.publisher.publish(deviceTopic(deps.topicRoot, vin, 'status'), 'offline', true).then(
        () => {
          metrics.publishedTo('status');
          deps.reported(offline, 'offline');
        },
        (err: unknown) => deps.logger.warn({ vin, err: String(err) }, 'could not publish offline status'),
      );
    },
    get vin() {
      return vin;
    },
  };
  return session;
}
