// JT/T 808 message ids, result codes and the bodies the gateway handles, decoders and encoders (the encoders
// serve the platform's answers, the tests and the simulator). Layouts from JT/T 808-2011, -2013 and -2019 §8.
// Every decoder checks lengths and never throws on device input: it returns a reason instead.
import { bcdTimeOfDayToEpochMs, bcdTimeToEpochMs, epochMsToBcdTime, epochMsToBcdTimeOfDay } from './jt808-bcd.ts';
import type { ProtocolEdition } from './jt808-frame.ts';

export const MSG = {
  terminalGeneralResponse: 0x0001,
  heartbeat: 0x0002,
  logout: 0x0003,
  register: 0x0100,
  authenticate: 0x0102,
  location: 0x0200,
  locationBatch: 0x0704,
  canData: 0x0705,
  passThrough: 0x0900,
  platformGeneralResponse: 0x8001,
  resendRequest: 0x8003,
  registerResponse: 0x8100,
} as const;

/** Result of 0x8001 (platform general response). */
export const GENERAL_RESULT = { success: 0, failure: 1, messageError: 2, unsupported: 3, alarmConfirmed: 4 } as const;

/** Result of 0x8100 (registration response). */
export const REGISTER_RESULT = {
  success: 0,
  vehicleAlreadyRegistered: 1,
  noSuchVehicle: 2,
  terminalAlreadyRegistered: 3,
  noSuchTerminal: 4,
} as const;

/** Alarm flag bits of 0x0200 (table 24/25) the product acts on. */
export const ALARM_BIT = { sos: 0, collision: 29, rollover: 30 } as const;
/** Status bits of 0x0200 (table 24): ACC on, positioned, south latitude, west longitude. */
export const STATUS_BIT = { acc: 0, positioned: 1, south: 2, west: 3 } as const;

export type Decoded<T> = { ok: true; value: T } | { ok: false; detail: string };

const gbk = new TextDecoder('gbk');

function text(bytes: Uint8Array): string {
  // Fixed-length fields are padded with 0x00 (or spaces); strings end at the first NUL.
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  return gbk.decode(bytes.subarray(0, end)).trim();
}

function fixed(value: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  Buffer.from(value, 'latin1').copy(out, 0, 0, length);
  return out;
}

// ---- 0x0100 register -------------------------------------------------------------------------

export interface RegisterRequest {
  province: number;
  city: number;
  manufacturer: string;
  model: string;
  terminalModelId: string;
  /** 0 = vehicle not licensed yet: `plate` then carries the VIN. */
  plateColor: number;
  plate: string;
}

/**
 * Edition of a terminal. 2011 and 2013 share the header (no version flag); they differ in the registration body,
 * whose terminal model field is 8 bytes in 2011 and 20 in 2013 (2019: maker 11, model 30, terminal id 30).
 */
export type TerminalEdition = 2011 | ProtocolEdition;

const REGISTER_LAYOUT = {
  2011: { maker: 5, model: 8, id: 7 }, 2013: { maker: 5, model: 20, id: 7 }, 2019: { maker: 11, model: 30, id: 30 },
} as const;

/** Offset of the plate colour in a registration body of the edition. */
function plateColorAt(edition: TerminalEdition): number {
  const l = REGISTER_LAYOUT[edition];
  return 4 + l.maker + l.model + l.id;
}

/**
 * The edition of a registration body. A frame without the 2019 flag is 2011 or 2013, told apart by where a plate
 * colour can be: a colour is a small number (0 unlicensed, 1 blue, 2 yellow, 3 black, 4 white, 5 green, 9 other),
 * while the other layout has printable text there (the 2013 model field, or the 2011 plate or VIN).
 */
export function registerEditionOf(body: Buffer, headerEdition: ProtocolEdition): TerminalEdition {
  if (headerEdition === 2019) return 2019;
  const colour2013 = body[plateColorAt(2013)];
  if (colour2013 !== undefined && colour2013 <= 9) return 2013;
  const colour2011 = body[plateColorAt(2011)];
  return colour2011 !== undefined && colour2011 <= 9 ? 2011 : 2013;
}

export function decodeRegister(body: Buffer, headerEdition: ProtocolEdition): Decoded<RegisterRequest & { edition: TerminalEdition }> {
  const edition = registerEditionOf(body, headerEdition);
  const l = REGISTER_LAYOUT[edition];
  const fixedBytes = 4 + l.maker + l.model + l.id + 1;
  if (body.length < fixedBytes) return { ok: false, detail: `register body of ${body.length} bytes, ${edition} needs at least ${fixedBytes}` };
  let at = 4;
  const field = (n: number) => text(body.subarray(at, (at += n)));
  const manufacturer = field(l.maker);
  const model = field(l.model);
  const terminalModelId = field(l.id);
  const plateColor = body[at++]!;
  return {
    ok: true,
    value: { edition, province: body.readUInt16BE(0), city: body.readUInt16BE(2), manufacturer, model, terminalModelId, plateColor, plate: text(body.subarray(at)) },
  };
}

/** `plate` as raw bytes lets a caller send a GBK plate (e.g. 京A12345) without a GBK encoder. */
export function encodeRegister(req: Omit<RegisterRequest, 'plate'> & { plate: string | Uint8Array }, edition: TerminalEdition): Buffer {
  const l = REGISTER_LAYOUT[edition];
  const head = Buffer.alloc(4);
  head.writeUInt16BE(req.province, 0);
  head.writeUInt16BE(req.city, 2);
  const plate = typeof req.plate === 'string' ? Buffer.from(req.plate, 'latin1') : Buffer.from(req.plate);
  return Buffer.concat([head, fixed(req.manufacturer, l.maker), fixed(req.model, l.model), fixed(req.terminalModelId, l.id), Buffer.of(req.plateColor), plate]);
}

export interface RegisterResponse {
  replySerial: number;
  result: number;
  authCode?: string;
}

export function encodeRegisterResponse(res: RegisterResponse): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16BE(res.replySerial, 0);
  head[2] = res.result;
  return res.result === REGISTER_RESULT.success && res.authCode ? Buffer.concat([head, Buffer.from(res.authCode, 'latin1')]) : head;
}

export function decodeRegisterResponse(body: Buffer): Decoded<RegisterResponse> {
  if (body.length < 3) return { ok: false, detail: 'register response shorter than 3 bytes' };
  const res: RegisterResponse = { replySerial: body.readUInt16BE(0), result: body[2]! };
  if (body.length > 3) res.authCode = body.subarray(3).toString('latin1');
  return { ok: true, value: res };
}

// ---- 0x8003 re-send request for sub-packages -------------------------------------------------------

/** The platform asks the terminal to send the listed packages of a sub-packaged message again. */
export interface ResendRequest {
  /** Serial number of the message's first package. */
  originalSerial: number;
  /** Package numbers (1-based, the header's package index) missing. */
  packages: number[];
}

/** The count of packages is a BYTE in 2011/2013 and a WORD in 2019; each package number is a WORD. */
export function encodeResendRequest(req: ResendRequest, edition: ProtocolEdition): Buffer {
  const countBytes = edition === 2019 ? 2 : 1;
  const packages = req.packages.slice(0, edition === 2019 ? 0xffff : 0xff);
  const body = Buffer.alloc(2 + countBytes + 2 * packages.length);
  body.writeUInt16BE(req.originalSerial, 0);
  if (countBytes === 2) body.writeUInt16BE(packages.length, 2);
  else body[2] = packages.length;
  packages.forEach((p, i) => body.writeUInt16BE(p, 2 + countBytes + 2 * i));
  return body;
}

export function decodeResendRequest(body: Buffer, edition: ProtocolEdition): Decoded<ResendRequest> {
  const countBytes = edition === 2019 ? 2 : 1;
  if (body.length < 2 + countBytes) return { ok: false, detail: `re-send request of ${body.length} bytes` };
  const count = countBytes === 2 ? body.readUInt16BE(2) : body[2]!;
  if (body.length < 2 + countBytes + 2 * count) return { ok: false, detail: `re-send request lists ${count} packages in ${body.length} bytes` };
  const packages = Array.from({ length: count }, (_, i) => body.readUInt16BE(2 + countBytes + 2 * i));
  return { ok: true, value: { originalSerial: body.readUInt16BE(0), packages } };
}

// ---- 0x0102 authenticate ---------------------------------------------------------------------

export interface AuthRequest {
  authCode: string;
  /** 2019 only. */
  imei?: string;
  softwareVersion?: string;
}

export function decodeAuth(body: Buffer, edition: ProtocolEdition): Decoded<AuthRequest> {
  if (edition === 2013) {
    if (body.length === 0) return { ok: false, detail: 'empty auth code' };
    return { ok: true, value: { authCode: body.toString('latin1') } };
  }
  if (body.length < 1) return { ok: false, detail: 'empty 2019 authentication body' };
  const length = body[0]!;
  if (length === 0 || body.length < 1 + length + 15 + 20) {
    return { ok: false, detail: `2019 authentication needs code length, code, IMEI (15) and software version (20); got ${body.length} bytes` };
  }
  return {
    ok: true,
    value: {
      authCode: body.subarray(1, 1 + length).toString('latin1'),
      imei: text(body.subarray(1 + length, 16 + length)),
      softwareVersion: text(body.subarray(16 + length, 36 + length)),
    },
  };
}

export function encodeAuth(req: AuthRequest, edition: ProtocolEdition): Buffer {
  const code = Buffer.from(req.authCode, 'latin1');
  if (edition === 2013) return code;
  return Buffer.concat([Buffer.of(code.length), code, fixed(req.imei ?? '', 15), fixed(req.softwareVersion ?? '', 20)]);
}

// ---- 0x8001 / 0x0001 general response ---------------------------------------------------------

export interface GeneralResponse {
  replySerial: number;
  replyId: number;
  result: number;
}

export function encodeGeneralResponse(res: GeneralResponse): Buffer {
  const body = Buffer.alloc(5);
  body.writeUInt16BE(res.replySerial, 0);
  body.writeUInt16BE(res.replyId, 2);
  body[4] = res.result;
  return body;
}

export function decodeGeneralResponse(body: Buffer): Decoded<GeneralResponse> {
  if (body.length !== 5) return { ok: false, detail: `general response of ${body.length} bytes, expected 5` };
  return { ok: true, value: { replySerial: body.readUInt16BE(0), replyId: body.readUInt16BE(2), result: body[4]! } };
}

// ---- 0x0200 location -------------------------------------------------------------------------

export interface LocationReport {
  alarmBits: number;
  statusBits: number;
  /** Signed degrees: the status bits' south/west already applied. */
  lat: number;
  lon: number;
  altitudeM: number;
  speedKmh: number;
  heading: number;
  /** Device time, epoch ms UTC. */
  ts: number;
  /** Additional item 0x01, 0.1 km units. */
  mileageKm?: number;
  /** Additional item 0x02, 0.1 L units. */
  fuelL?: number;
  /** Additional item 0x03, speed from the driving recorder, 0.1 km/h units. */
  recorderSpeedKmh?: number;
}

export const LOCATION_BASE_BYTES = 28;

/**
 * The fields of a 0x0200 body as sent (integers, the south/west bits not applied): what the gateway's per-frame
 * path reads into one reused object. `decodeLocation` gives the same in units.
 */
export interface RawLocation {
  alarmBits: number;
  statusBits: number;
  /** ×10⁶ degrees, unsigned. */
  latRaw: number;
  lonRaw: number;
  altitudeM: number;
  /** 0.1 km/h. */
  speedRaw: number;
  heading: number;
  /** Device time, epoch ms UTC. */
  ts: number;
  /** Additional items 0x01 (0.1 km), 0x02 (0.1 L), 0x03 (0.1 km/h); -1 when absent. */
  mileageRaw: number;
  fuelRaw: number;
  recorderSpeedRaw: number;
}

export function createRawLocation(): RawLocation {
  return { alarmBits: 0, statusBits: 0, latRaw: 0, lonRaw: 0, altitudeM: 0, speedRaw: 0, heading: 0, ts: 0, mileageRaw: -1, fuelRaw: -1, recorderSpeedRaw: -1 };
}

/**
 * Reads the location `body[offset, end)` into `raw` (every field overwritten); returns why it is not a valid
 * location, or undefined. The one set of checks behind `decodeLocation` and the gateway's per-frame path.
 */
export function readLocation(raw: RawLocation, body: Buffer, offset = 0, end = body.length): string | undefined {
  if (end - offset < LOCATION_BASE_BYTES) return `location of ${end - offset} bytes, at least ${LOCATION_BASE_BYTES}`;
  const latRaw = body.readUInt32BE(offset + 8);
  const lonRaw = body.readUInt32BE(offset + 12);
  if (latRaw > 90_000_000 || lonRaw > 180_000_000) return `latitude ${latRaw} / longitude ${lonRaw} ×10⁻⁶ out of range`;
  const ts = bcdTimeToEpochMs(body, offset + 22);
  if (ts === undefined) return 'time is not a valid BCD YYMMDDhhmmss';
  const heading = (body[offset + 20]! << 8) | body[offset + 21]!;
  if (heading > 359) return `direction ${heading} out of 0–359`;
  raw.alarmBits = body.readUInt32BE(offset);
  raw.statusBits = body.readUInt32BE(offset + 4);
  raw.latRaw = latRaw;
  raw.lonRaw = lonRaw;
  raw.altitudeM = (body[offset + 16]! << 8) | body[offset + 17]!;
  raw.speedRaw = (body[offset + 18]! << 8) | body[offset + 19]!;
  raw.heading = heading;
  raw.ts = ts;
  raw.mileageRaw = raw.fuelRaw = raw.recorderSpeedRaw = -1;
  // Additional items: id BYTE, length BYTE, value. Unknown ids are skipped by their length.
  let at = offset + LOCATION_BASE_BYTES;
  while (at < end) {
    if (end - at < 2) return 'additional item header cut off';
    const id = body[at]!;
    const length = body[at + 1]!;
    const value = at + 2;
    if (value + length > end) return `additional item 0x${id.toString(16)} longer than the body`;
    if (id === 0x01 && length === 4) raw.mileageRaw = body.readUInt32BE(value);
    else if (id === 0x02 && length === 2) raw.fuelRaw = (body[value]! << 8) | body[value + 1]!;
    else if (id === 0x03 && length === 2) raw.recorderSpeedRaw = (body[value]! << 8) | body[value + 1]!;
    at = value + length;
  }
  return undefined;
}

/** A location in units: south/west applied, ×10⁻⁶ degrees, 0.1 units divided. */
export function locationReportOf(raw: RawLocation): LocationReport {
  const report: LocationReport = {
    alarmBits: raw.alarmBits,
    statusBits: raw.statusBits,
    lat: ((raw.statusBits >>> STATUS_BIT.south) & 1 ? -raw.latRaw : raw.latRaw) / 1e6,
    lon: ((raw.statusBits >>> STATUS_BIT.west) & 1 ? -raw.lonRaw : raw.lonRaw) / 1e6,
    altitudeM: raw.altitudeM,
    speedKmh: raw.speedRaw / 10,
    heading: raw.heading,
    ts: raw.ts,
  };
  if (raw.mileageRaw >= 0) report.mileageKm = raw.mileageRaw / 10;
  if (raw.fuelRaw >= 0) report.fuelL = raw.fuelRaw / 10;
  if (raw.recorderSpeedRaw >= 0) report.recorderSpeedKmh = raw.recorderSpeedRaw / 10;
  return report;
}

export function decodeLocation(body: Buffer, offset = 0, end = body.length): Decoded<LocationReport> {
  const raw = createRawLocation();
  const problem = readLocation(raw, body, offset, end);
  return problem === undefined ? { ok: true, value: locationReportOf(raw) } : { ok: false, detail: problem };
}

export interface LocationInput {
  alarmBits?: number;
  /** Without south/west: they are set from the signs of lat/lon. */
  statusBits?: number;
  lat: number;
  lon: number;
  altitudeM?: number;
  speedKmh?: number;
  heading?: number;
  ts: number;
  mileageKm?: number;
  fuelL?: number;
  recorderSpeedKmh?: number;
  /** Extra raw additional items (id, value), e.g. to exercise skipping of unknown ones. */
  extraItems?: ReadonlyArray<{ id: number; value: Uint8Array }>;
}

export function encodeLocation(input: LocationInput): Buffer {
  const items: Buffer[] = [];
  const item = (id: number, value: Buffer) => items.push(Buffer.concat([Buffer.of(id, value.length), value]));
  const word = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    return b;
  };
  if (input.mileageKm !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(Math.round(input.mileageKm * 10));
    item(0x01, b);
  }
  if (input.fuelL !== undefined) item(0x02, word(Math.round(input.fuelL * 10)));
  if (input.recorderSpeedKmh !== undefined) item(0x03, word(Math.round(input.recorderSpeedKmh * 10)));
  for (const extra of input.extraItems ?? []) item(extra.id, Buffer.from(extra.value));
  const base = Buffer.alloc(LOCATION_BASE_BYTES);
  let status = (input.statusBits ?? (1 << STATUS_BIT.positioned)) & ~((1 << STATUS_BIT.south) | (1 << STATUS_BIT.west));
  if (input.lat < 0) status |= 1 << STATUS_BIT.south;
  if (input.lon < 0) status |= 1 << STATUS_BIT.west;
  base.writeUInt32BE((input.alarmBits ?? 0) >>> 0, 0);
  base.writeUInt32BE(status >>> 0, 4);
  base.writeUInt32BE(Math.round(Math.abs(input.lat) * 1e6), 8);
  base.writeUInt32BE(Math.round(Math.abs(input.lon) * 1e6), 12);
  base.writeUInt16BE(input.altitudeM ?? 0, 16);
  base.writeUInt16BE(Math.round((input.speedKmh ?? 0) * 10), 18);
  base.writeUInt16BE(input.heading ?? 0, 20);
  epochMsToBcdTime(input.ts).copy(base, 22);
  return Buffer.concat([base, ...items]);
}

// ---- 0x0704 batch / blind-area upload ---------------------------------------------------------

export interface LocationBatch {
  /** 0 = normal batch, 1 = blind-area (out of coverage) upload. */
  type: number;
  items: LocationReport[];
  /** Items that could not be decoded (skipped; the others are kept). */
  rejected: string[];
}

export function decodeLocationBatch(body: Buffer): Decoded<LocationBatch> {
  if (body.length < 3) return { ok: false, detail: 'batch body shorter than 3 bytes' };
  const count = body.readUInt16BE(0);
  const batch: LocationBatch = { type: body[2]!, items: [], rejected: [] };
  let at = 3;
  for (let i = 0; i < count; i++) {
    if (body.length - at < 2) return { ok: false, detail: `batch announces ${count} items, body ends after ${i}` };
    const length = body.readUInt16BE(at);
    if (at + 2 + length > body.length) return { ok: false, detail: `batch item ${i} longer than the body` };
    const item = decodeLocation(body, at + 2, at + 2 + length);
    if (item.ok) batch.items.push(item.value);
    else batch.rejected.push(`item ${i}: ${item.detail}`);
    at += 2 + length;
  }
  if (at !== body.length) return { ok: false, detail: `${body.length - at} bytes after the last of ${count} batch items` };
  return { ok: true, value: batch };
}

export function encodeLocationBatch(type: number, locations: readonly LocationInput[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(3);
  head.writeUInt16BE(locations.length, 0);
  head[2] = type;
  parts.push(head);
  for (const location of locations) {
    const encoded = encodeLocation(location);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(encoded.length);
    parts.push(length, encoded);
  }
  return Buffer.concat(parts);
}

// ---- 0x0705 CAN bus data ----------------------------------------------------------------------

export interface CanFrame {
  /** 29-bit (extended) or 11-bit (standard) identifier. */
  id: number;
  extended: boolean;
  /** 0 = CAN1, 1 = CAN2. */
  channel: number;
  data: Buffer;
}

export interface CanData {
  /** Receive time of the first frame, epoch ms UTC (time of day placed on the nearest Beijing day). */
  receivedAt: number;
  frames: CanFrame[];
}

export function decodeCanData(body: Buffer, now: number): Decoded<CanData> {
  if (body.length < 7) return { ok: false, detail: 'CAN data body shorter than 7 bytes' };
  const count = body.readUInt16BE(0);
  if (body.length !== 7 + count * 12) return { ok: false, detail: `${count} CAN items need ${7 + count * 12} bytes, body has ${body.length}` };
  const receivedAt = bcdTimeOfDayToEpochMs(body, 2, now);
  if (receivedAt === undefined) return { ok: false, detail: 'receive time is not a valid BCD hhmmss+ms' };
  const frames: CanFrame[] = [];
  for (let i = 0, at = 7; i < count; i++, at += 12) {
    const raw = body.readUInt32BE(at);
    const extended = ((raw >>> 30) & 1) === 1;
    frames.push({ id: raw & (extended ? 0x1fffffff : 0x7ff), extended, channel: raw >>> 31, data: body.subarray(at + 4, at + 12) });
  }
  return { ok: true, value: { receivedAt, frames } };
}

export function encodeCanData(receivedAt: number, frames: ReadonlyArray<{ id: number; data: Uint8Array; channel?: number }>): Buffer {
  const out = Buffer.alloc(7 + frames.length * 12, 0xff);
  out.writeUInt16BE(frames.length, 0);
  epochMsToBcdTimeOfDay(receivedAt).copy(out, 2);
  frames.forEach((frame, i) => {
    const at = 7 + i * 12;
    // Bit 31 channel, bit 30 frame type (1 = extended), bit 29 collection method (0 = raw), 28–0 the id.
    out.writeUInt32BE((((frame.channel ?? 0) << 31) | (1 << 30) | (frame.id & 0x1fffffff)) >>> 0, at);
    Buffer.from(frame.data).copy(out, at + 4, 0, 8);
  });
  return out;
}
