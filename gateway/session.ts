// One terminal connection: JT/T 808 messages → the MQTT device contract (docs/protocol.md), answers after
// the broker's PUBACK. Decoders turn bytes into reports; nothing downstream knows the protocol.
//   0x0100 register → 0x8100        0x0102 authenticate → 0x8001     0x0002 heartbeat, 0x0003 logout → 0x8001
//   0x0200 location → position (+ alarm)                         0x0704 batch → position array, oldest first
//   0x0705 CAN → DM1 (single frame or BAM) → dm1 snapshot on change   0x0900 pass-through → accepted, ignored
import { alarmTopic, CRITICAL_ALARM_MASK, criticalAlarmsOf, type AlarmMessage } from '../core/alarm.ts';
import { createBamReassembler, decodeDm1, parseCanId, PGN_DM1, PGN_TP_CM, PGN_TP_DT, type Dm1 } from '../core/j1939-can.ts';
import { encodeFrame, parseMessage, terminalIdOf, unescapeFrame, type FrameHeader } from '../core/jt808-frame.ts';
import {
  decodeAuth, decodeCanData, decodeLocation, decodeLocationBatch, decodeRegister, encodeRegisterResponse, encodeResendRequest,
  GENERAL_RESULT, MSG, REGISTER_RESULT, STATUS_BIT, type LocationReport,
} from '../core/jt808-messages.ts';
import type { Dtc, Lamps } from '../core/j1939.ts';
import { MAX_RECORDS_PER_MESSAGE } from '../core/telemetry.ts';
import { deviceTopic } from '../core/topics.ts';
import type { Logger } from '../infra/logger.ts';
import type { TerminalBinding } from '../terminals/terminal-binding.ts';
import type { GatewayConfig } from './config.ts';
import type { CloseReason, GatewayMetrics, RejectionReason } from './metrics.ts';
import type { Publisher } from './publisher.ts';
import { createSubPackageAssembler } from './subpackages.ts';

export interface Connection {
  write(frame: Buffer): void;
  /** `graceful`: after pending writes (logout); otherwise at once. */
  close(reason: CloseReason, graceful?: boolean): void;
  pause(): void;
  resume(): void;
}

export interface SessionDeps {
  binding: Pick<TerminalBinding, 'register' | 'authenticate' | 'logout'>;
  publisher: Pick<Publisher, 'publish' | 'send'>;
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

/** One message on its way to the broker: answered when `waiting` reaches 0 without a refusal. */
interface Delivery {
  header: FrameHeader;
  serials: readonly number[];
  waiting: number;
  refused: Error | undefined;
  /** Critical alarm bits and DM1 set that become the published state once everything is acknowledged. */
  alarms: number;
  dm1Key: string | undefined;
  records?: number;
  /** Channels published, when not the one `position` of a location. */
  channels?: Array<Publication['channel']>;
}

interface Publication {
  topic: string;
  payload: string;
  channel: 'position' | 'dm1' | 'status' | 'alarm';
  records?: number;
  retain?: boolean;
}

/**
 * The position object of the device contract (docs/protocol.md) as JSON, written by hand: this runs for every
 * location frame, and building an object for JSON.stringify cost more than the rest of the decode. Every value is
 * a finite number or a boolean (the decoder produced them), whose JSON text is its string conversion; the field
 * order is the contract's examples'. undefined without a fix: nothing to place on a map.
 */
export function positionJson(r: LocationReport, seq?: number): string | undefined {
  if (((r.statusBits >>> STATUS_BIT.positioned) & 1) === 0) return undefined;
  let json = '{"ts":' + r.ts;
  if (seq !== undefined) json += ',"seq":' + seq;
  json += ',"lat":' + r.lat + ',"lon":' + r.lon;
  if (r.speedKmh <= 400) json += ',"speedKmh":' + r.speedKmh;
  json += ',"heading":' + r.heading;
  if (r.mileageKm !== undefined && r.mileageKm <= 100_000_000) json += ',"odometerKm":' + r.mileageKm;
  json += ',"ignition":' + ((r.statusBits & 1) === 1) + ',"altitudeM":' + r.altitudeM;
  if (r.fuelL !== undefined) json += ',"fuelL":' + r.fuelL;
  if (r.recorderSpeedKmh !== undefined) json += ',"recorderSpeedKmh":' + r.recorderSpeedKmh;
  return json + ',"alarmBits":' + r.alarmBits + ',"statusBits":' + r.statusBits + '}';
}

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
  /** The vehicle's position topic, set at authentication (built once, used for every location). */
  let positionTopic = '';

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

  /** Body of 0x8001 (reply serial, reply id, result), reused: encodeFrame copies it into each frame. */
  const generalBody = Buffer.alloc(5);

  function general(header: FrameHeader, serials: readonly number[], result: number): void {
    for (const serial of serials) {
      generalBody.writeUInt16BE(serial, 0);
      generalBody.writeUInt16BE(header.messageId, 2);
      generalBody[4] = result;
      answer(header, MSG.platformGeneralResponse, generalBody);
    }
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
    const delivery: Delivery = { header, serials, waiting: publications.length, refused: undefined, alarms, dm1Key };
    for (const p of publications) {
      if (p.records) delivery.records = (delivery.records ?? 0) + p.records;
      deps.publisher.send(p.topic, p.payload, p.retain === true, settled, delivery);
    }
    if (publications.length > 1 || publications[0]!.channel !== 'position') delivery.channels = publications.map((p) => p.channel);
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
    if (!ended) general(delivery.header, delivery.serials, GENERAL_RESULT.success);
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

  function onLocation(header: FrameHeader, body: Buffer, serials: readonly number[]): void {
    const decoded = decodeLocation(body);
    if (!decoded.ok) {
      count('bad_body');
      general(header, serials, GENERAL_RESULT.messageError);
      return;
    }
    const report = decoded.value;
    const publications: Publication[] = [];
    const position = positionJson(report, header.serial);
    if (position !== undefined) {
      lastFix = { lat: report.lat, lon: report.lon };
      publications.push({ topic: positionTopic, payload: position, channel: 'position', records: 1 });
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
        return onLocation(header, body, serials);
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

  function receive(escaped: Buffer): void {
    if (ended) return;
    if (gate) {
      if (gate.length >= MAX_GATED_FRAMES) strike('unauthenticated');
      else gate.push(escaped);
      return;
    }
    const message = unescapeFrame(escaped);
    if (!message) return strike('bad_escape');
    const parsed = parseMessage(message);
    if (!parsed.ok) return strike(parsed.reason);
    const { header, body } = parsed.frame;
    if (phone === undefined) phone = header.phone;
    else if (header.phone !== phone && terminalIdOf(header.phone) !== terminalIdOf(phone)) return strike('phone_mismatch');
    lastFrameAt = deps.now();
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
    if (outcome.kind === 'rejected') {
      strike(outcome.reason);
      general(header, [header.serial], GENERAL_RESULT.failure);
    } else if (outcome.kind === 'complete') dispatch(outcome.header, outcome.body, outcome.serials);
  }

  const session: TerminalSession = {
    receive,
    strike,
    sweep(now) {
      if (ended) return;
      if (vin === undefined && now - connectedAt > config.authTimeoutMs) return end('auth_timeout');
      if (now - lastFrameAt > 3 * config.heartbeatMs) return end('idle');
      for (const message of subPackages.overdue(now)) {
        metrics.resendRequests.inc();
        answer(message.header, MSG.resendRequest, encodeResendRequest({ originalSerial: message.first, packages: message.missing }, message.header.edition));
      }
      const expiredMessages = subPackages.expire(now);
      if (expiredMessages) metrics.rejected.inc({ reason: 'subpackage_timeout' }, expiredMessages);
      const expiredTransfers = bam.expire(now);
      if (expiredTransfers) metrics.rejected.inc({ reason: 'bam_timeout' }, expiredTransfers);
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
