// JT/T 808 framing and message header, both versions, written from the standard (JT/T 808-2013 §4,
// JT/T 808-2019 §4): a frame is 0x7E, the escaped message (header, body, XOR check code), 0x7E. Inside the
// delimiters 0x7E is sent as 0x7D 0x02 and 0x7D as 0x7D 0x01.
//
// Header (big-endian):                         2013        2019
//   message id                         WORD     0           0
//   body properties                    WORD     2           2   bits 0–9 body length, 10–12 encryption,
//                                                                13 sub-packaged, 14 version flag (2019)
//   protocol version                   BYTE     –           4
//   terminal phone number              BCD      4 (6 B)     5 (10 B)
//   message serial number              WORD     10          15
//   package count, package index       WORD×2   12 (if sub-packaged)   17 (if sub-packaged)
import { decodeBcd, writeBcd } from './jt808-bcd.ts';

export const FRAME_FLAG = 0x7e;
export const ESCAPE = 0x7d;
/** The body length field has 10 bits. */
export const MAX_BODY_BYTES = 1023;
/** Encryption bits of the body properties: bit 10 = RSA. Other bits are reserved. */
export const ENCRYPTION_RSA = 1;

export type ProtocolEdition = 2013 | 2019;

export interface SubPackage {
  /** Number of packages of the whole message, ≥ 1. */
  total: number;
  /** 1-based index of this package. */
  index: number;
}

export interface FrameHeader {
  messageId: number;
  edition: ProtocolEdition;
  /** 2019 only: the protocol version byte (1 for the first 2019 edition). */
  protocolVersion?: number;
  /** Terminal phone number as the BCD digits of the header (12 digits in 2013, 20 in 2019). */
  phone: string;
  serial: number;
  /** Encryption bits 10–12 of the body properties (0 = plain). */
  encryption: number;
  subPackage?: SubPackage;
}

export interface Frame {
  header: FrameHeader;
  body: Buffer;
}

export type FrameRejection = 'bad_escape' | 'bad_checksum' | 'truncated' | 'length_mismatch' | 'bad_phone' | 'bad_subpackage';

export type FrameResult = { ok: true; frame: Frame } | { ok: false; reason: FrameRejection; detail: string };

/**
 * Removes the escaping of the bytes between two 0x7E; undefined for a 0x7D not followed by 0x01/0x02.
 * Without escapes the result is a view of the same bytes (not a copy).
 */
export function unescapeFrame(escaped: Uint8Array): Buffer | undefined {
  let escapes = 0;
  for (let i = 0; i < escaped.length; i++) if (escaped[i] === ESCAPE) escapes++;
  if (escapes === 0) return Buffer.from(escaped.buffer, escaped.byteOffset, escaped.length);
  const out = Buffer.allocUnsafe(escaped.length - escapes);
  let o = 0;
  for (let i = 0; i < escaped.length; i++) {
    const byte = escaped[i]!;
    if (byte !== ESCAPE) {
      out[o++] = byte;
      continue;
    }
    const next = escaped[++i];
    if (next === 0x02) out[o++] = FRAME_FLAG;
    else if (next === 0x01) out[o++] = ESCAPE;
    else return undefined;
  }
  return out;
}

export function xorChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum ^= bytes[i]!;
  return sum;
}

/** Header length for the edition and sub-package flag. */
export function headerLength(edition: ProtocolEdition, subPackaged: boolean): number {
  return (edition === 2019 ? 17 : 12) + (subPackaged ? 4 : 0);
}

/**
 * The header of one message read in place, without allocating (the gateway's per-frame path): a view object is
 * reused for every frame, and each parse overwrites all of its fields.
 */
export interface HeaderView {
  messageId: number;
  edition: ProtocolEdition;
  /** 2019 only; -1 in 2013. */
  protocolVersion: number;
  /** Offset and length of the BCD terminal phone number (its digits are checked). */
  phoneAt: number;
  phoneBytes: number;
  serial: number;
  encryption: number;
  /** 0 when not sub-packaged. */
  subTotal: number;
  subIndex: number;
  bodyStart: number;
  bodyEnd: number;
}

export function createHeaderView(): HeaderView {
  return { messageId: 0, edition: 2013, protocolVersion: -1, phoneAt: 0, phoneBytes: 0, serial: 0, encryption: 0, subTotal: 0, subIndex: 0, bodyStart: 0, bodyEnd: 0 };
}

/**
 * Parses the unescaped message `message[start, end)` (header, body, check code) into `view`; returns the reason
 * when it is not a message (then `view` is partly overwritten).
 */
export function parseMessageInto(view: HeaderView, message: Uint8Array, start: number, end: number): FrameRejection | undefined {
  const length = end - start;
  if (length < 13) return 'truncated';
  let sum = 0;
  for (let i = start; i < end - 1; i++) sum ^= message[i]!;
  if (sum !== message[end - 1]) return 'bad_checksum';
  const properties = (message[start + 2]! << 8) | message[start + 3]!;
  const bodyLength = properties & 0x3ff;
  const subPackaged = (properties & 0x2000) !== 0;
  const edition: ProtocolEdition = (properties & 0x4000) !== 0 ? 2019 : 2013;
  const headerBytes = headerLength(edition, subPackaged);
  if (length !== headerBytes + bodyLength + 1) return length < headerBytes + bodyLength + 1 ? 'truncated' : 'length_mismatch';
  const phoneAt = start + (edition === 2019 ? 5 : 4);
  const phoneBytes = edition === 2019 ? 10 : 6;
  for (let i = phoneAt; i < phoneAt + phoneBytes; i++) {
    const byte = message[i]!;
    if (byte > 0x99 || (byte & 0x0f) > 9) return 'bad_phone';
  }
  const serialAt = phoneAt + phoneBytes;
  let subTotal = 0;
  let subIndex = 0;
  if (subPackaged) {
    subTotal = (message[serialAt + 2]! << 8) | message[serialAt + 3]!;
    subIndex = (message[serialAt + 4]! << 8) | message[serialAt + 5]!;
    if (subTotal < 1 || subIndex < 1 || subIndex > subTotal) return 'bad_subpackage';
  }
  view.messageId = (message[start]! << 8) | message[start + 1]!;
  view.edition = edition;
  view.protocolVersion = edition === 2019 ? message[start + 4]! : -1;
  view.phoneAt = phoneAt;
  view.phoneBytes = phoneBytes;
  view.serial = (message[serialAt]! << 8) | message[serialAt + 1]!;
  view.encryption = (properties >> 10) & 0x7;
  view.subTotal = subTotal;
  view.subIndex = subIndex;
  view.bodyStart = start + headerBytes;
  view.bodyEnd = start + headerBytes + bodyLength;
  return undefined;
}

/** The header object of a parsed view (`phone`: its digits, when the caller already has them). */
export function headerOf(view: HeaderView, message: Uint8Array, phone?: string): FrameHeader {
  const header: FrameHeader = {
    messageId: view.messageId, edition: view.edition, phone: phone ?? decodeBcd(message, view.phoneAt, view.phoneBytes)!, serial: view.serial,
    encryption: view.encryption,
  };
  if (view.edition === 2019) header.protocolVersion = view.protocolVersion;
  if (view.subTotal > 0) header.subPackage = { total: view.subTotal, index: view.subIndex };
  return header;
}

const REJECTION_DETAIL: Record<FrameRejection, (message: Buffer) => string> = {
  bad_escape: () => '0x7D not followed by 0x01 or 0x02',
  bad_checksum: () => 'check code does not match',
  truncated: (m) => (m.length < 13 ? `${m.length} bytes, a message has at least 13` : bodyMismatch(m)),
  length_mismatch: (m) => bodyMismatch(m),
  bad_phone: () => 'terminal phone number is not BCD',
  bad_subpackage: (m) => {
    const serialAt = (m.readUInt16BE(2) & 0x4000) !== 0 ? 15 : 10;
    return `package ${m.readUInt16BE(serialAt + 4)} of ${m.readUInt16BE(serialAt + 2)}`;
  },
};

function bodyMismatch(m: Buffer): string {
  const properties = m.readUInt16BE(2);
  const headerBytes = headerLength((properties & 0x4000) !== 0 ? 2019 : 2013, (properties & 0x2000) !== 0);
  return `header says ${properties & 0x3ff} body bytes, frame has ${m.length - headerBytes - 1}`;
}

/** Parses one unescaped message (header, body, check code), as found between two 0x7E. */
export function parseMessage(message: Buffer): FrameResult {
  const view = createHeaderView();
  const reason = parseMessageInto(view, message, 0, message.length);
  if (reason !== undefined) return { ok: false, reason, detail: REJECTION_DETAIL[reason](message) };
  return { ok: true, frame: { header: headerOf(view, message), body: message.subarray(view.bodyStart, view.bodyEnd) } };
}

/** Escapes and delimits an unescaped message (header + body + check code). */
export function escapeMessage(message: Uint8Array): Buffer {
  let extra = 0;
  for (let i = 0; i < message.length; i++) if (message[i] === FRAME_FLAG || message[i] === ESCAPE) extra++;
  const out = Buffer.allocUnsafe(message.length + extra + 2);
  let o = 0;
  out[o++] = FRAME_FLAG;
  for (let i = 0; i < message.length; i++) {
    const byte = message[i]!;
    if (byte === FRAME_FLAG) {
      out[o++] = ESCAPE;
      out[o++] = 0x02;
    } else if (byte === ESCAPE) {
      out[o++] = ESCAPE;
      out[o++] = 0x01;
    } else out[o++] = byte;
  }
  out[o++] = FRAME_FLAG;
  return out;
}

/** Builds one complete frame (delimited, escaped, with check code). The body must fit one package. */
export function encodeFrame(header: FrameHeader, body: Uint8Array): Buffer {
  if (body.length > MAX_BODY_BYTES) throw new RangeError(`body of ${body.length} bytes needs sub-packaging (at most ${MAX_BODY_BYTES})`);
  const headerBytes = headerLength(header.edition, header.subPackage !== undefined);
  // The message is written between the two delimiters of `frame`: when nothing needs escaping (most answers),
  // that is already the frame. Every byte is written below (flags, header fields, body, check code).
  const frame = Buffer.allocUnsafe(headerBytes + body.length + 3);
  const message = frame.subarray(1, frame.length - 1);
  let properties = body.length | ((header.encryption & 0x7) << 10);
  if (header.subPackage) properties |= 0x2000;
  if (header.edition === 2019) properties |= 0x4000;
  message.writeUInt16BE(header.messageId, 0);
  message.writeUInt16BE(properties, 2);
  let at = 4;
  if (header.edition === 2019) message[at++] = header.protocolVersion ?? 1;
  const phoneBytes = header.edition === 2019 ? 10 : 6;
  writeBcd(header.phone, message, at, phoneBytes);
  at += phoneBytes;
  message.writeUInt16BE(header.serial & 0xffff, at);
  at += 2;
  if (header.subPackage) {
    message.writeUInt16BE(header.subPackage.total, at);
    message.writeUInt16BE(header.subPackage.index, at + 2);
    at += 4;
  }
  message.set(body, at);
  message[message.length - 1] = xorChecksum(message, 0, message.length - 1);
  for (let i = 0; i < message.length; i++) {
    if (message[i] === FRAME_FLAG || message[i] === ESCAPE) return escapeMessage(message);
  }
  frame[0] = FRAME_FLAG;
  frame[frame.length - 1] = FRAME_FLAG;
  return frame;
}

/**
 * One message as frames: a single frame when the body fits, otherwise packages of at most `packageBytes`
 * body bytes with consecutive serial numbers starting at `header.serial` (as the standard asks).
 */
export function encodeMessage(header: Omit<FrameHeader, 'subPackage'>, body: Uint8Array, packageBytes = MAX_BODY_BYTES): Buffer[] {
  if (body.length <= packageBytes) return [encodeFrame(header, body)];
  const total = Math.ceil(body.length / packageBytes);
  const frames: Buffer[] = [];
  for (let index = 1; index <= total; index++) {
    const part = body.subarray((index - 1) * packageBytes, index * packageBytes);
    frames.push(encodeFrame({ ...header, serial: (header.serial + index - 1) & 0xffff, subPackage: { total, index } }, part));
  }
  return frames;
}

/**
 * The terminal's identity used across the system: the header's phone digits without leading zeros, so the
 * same terminal is one id whether it speaks 2013 (12 digits) or 2019 (20 digits).
 */
export function terminalIdOf(phone: string): string {
  const trimmed = phone.replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}
