// J1939 over raw CAN frames, pure: 29-bit identifiers (J1939-21), DM1 active diagnostic trouble codes
// (J1939-73, PGN 65226 = 0xFECA) and the broadcast transport protocol (TP.CM BAM on PGN 0xEC00, TP.DT on
// 0xEB00) that carries a DM1 longer than 8 bytes. Reassembly is bounded in count, size and time.
import type { Dtc, Lamps } from './j1939.ts';

export const PGN_DM1 = 0xfeca;
export const PGN_TP_CM = 0xec00;
export const PGN_TP_DT = 0xeb00;
const TP_CM_BAM = 32;
/** TP can carry at most 255 packets of 7 bytes. */
export const TP_MAX_BYTES = 255 * 7;

export interface CanIdentifier {
  priority: number;
  pgn: number;
  source: number;
  /** Destination for PDU1 (PF < 240) messages; 0xFF (global) for PDU2. */
  destination: number;
}

export function parseCanId(id: number): CanIdentifier {
  const priority = (id >>> 26) & 0x7;
  const dataPage = (id >>> 24) & 0x3; // EDP + DP
  const pf = (id >>> 16) & 0xff;
  const ps = (id >>> 8) & 0xff;
  const source = id & 0xff;
  if (pf < 240) return { priority, pgn: (dataPage << 16) | (pf << 8), source, destination: ps };
  return { priority, pgn: (dataPage << 16) | (pf << 8) | ps, source, destination: 0xff };
}

export function canIdOf(id: CanIdentifier): number {
  const pf = (id.pgn >>> 8) & 0xff;
  const ps = pf < 240 ? id.destination : id.pgn & 0xff;
  return (((id.priority & 7) << 26) | (((id.pgn >>> 16) & 3) << 24) | (pf << 16) | (ps << 8) | (id.source & 0xff)) >>> 0;
}

export interface Dm1 {
  lamps: Lamps;
  dtcs: Dtc[];
}

/** A 2-bit lamp state is "on" only for 01 (00 off, 10 reserved, 11 not available). */
function lamp(byte: number, shift: number): boolean {
  return ((byte >> shift) & 0x3) === 1;
}

/**
 * DM1 data: lamp byte (MIL bits 8–7, red stop 6–5, amber 4–3, protect 2–1), flash byte, then 4 bytes per
 * DTC: SPN bits 1–8, SPN bits 9–16, SPN bits 17–19 in the top 3 bits + FMI in the low 5, CM bit + OC in 7
 * bits. SPN 0 (the "no fault" filler) and all-ones entries (padding) are not codes.
 */
export function decodeDm1(data: Uint8Array): Dm1 | undefined {
  if (data.length < 6) return undefined;
  const lampByte = data[0]!;
  const lamps: Lamps = { mil: lamp(lampByte, 6), redStop: lamp(lampByte, 4), amberWarning: lamp(lampByte, 2), protect: lamp(lampByte, 0) };
  const dtcs: Dtc[] = [];
  for (let at = 2; at + 4 <= data.length; at += 4) {
    const b3 = data[at + 2]!;
    const spn = data[at]! | (data[at + 1]! << 8) | ((b3 >> 5) << 16);
    const fmi = b3 & 0x1f;
    const oc = data[at + 3]! & 0x7f;
    if (spn === 0 || spn === 0x7ffff) continue;
    dtcs.push({ spn, fmi, oc: oc === 0x7f ? 0 : oc });
  }
  return { lamps, dtcs };
}

export function encodeDm1(dm1: Dm1): Buffer {
  const on = (v: boolean) => (v ? 1 : 0);
  const lampByte = (on(dm1.lamps.mil) << 6) | (on(dm1.lamps.redStop) << 4) | (on(dm1.lamps.amberWarning) << 2) | on(dm1.lamps.protect);
  const codes = dm1.dtcs.length ? dm1.dtcs : [{ spn: 0, fmi: 0, oc: 0 }];
  const out = Buffer.alloc(Math.max(8, 2 + codes.length * 4), 0xff);
  out[0] = lampByte;
  out[1] = 0xff;
  codes.forEach((d, i) => {
    const at = 2 + i * 4;
    out[at] = d.spn & 0xff;
    out[at + 1] = (d.spn >> 8) & 0xff;
    out[at + 2] = (((d.spn >> 16) & 0x7) << 5) | (d.fmi & 0x1f);
    out[at + 3] = d.oc & 0x7f;
  });
  return out;
}

/** CAN frames (id + 8 data bytes) carrying `payload` of `pgn` from `source`: one frame, or BAM + TP.DT. */
export function j1939Frames(source: number, pgn: number, payload: Uint8Array, priority = 6): Array<{ id: number; data: Buffer }> {
  if (payload.length <= 8) {
    const data = Buffer.alloc(8, 0xff);
    Buffer.from(payload).copy(data);
    return [{ id: canIdOf({ priority, pgn, source, destination: 0xff }), data }];
  }
  if (payload.length > TP_MAX_BYTES) throw new RangeError(`${payload.length} bytes exceed the transport protocol's ${TP_MAX_BYTES}`);
  const packets = Math.ceil(payload.length / 7);
  const cm = Buffer.of(TP_CM_BAM, payload.length & 0xff, payload.length >> 8, packets, 0xff, pgn & 0xff, (pgn >> 8) & 0xff, (pgn >> 16) & 0xff);
  const frames = [{ id: canIdOf({ priority: 7, pgn: PGN_TP_CM, source, destination: 0xff }), data: cm }];
  for (let seq = 1; seq <= packets; seq++) {
    const data = Buffer.alloc(8, 0xff);
    data[0] = seq;
    Buffer.from(payload).copy(data, 1, (seq - 1) * 7, seq * 7);
    frames.push({ id: canIdOf({ priority: 7, pgn: PGN_TP_DT, source, destination: 0xff }), data });
  }
  return frames;
}

export type BamOutcome =
  | { kind: 'complete'; source: number; pgn: number; payload: Buffer }
  | { kind: 'pending' }
  | { kind: 'rejected'; reason: 'bam_bad_announce' | 'bam_out_of_order' | 'bam_too_many' | 'bam_orphan_packet' };

interface Transfer {
  pgn: number;
  size: number;
  packets: number;
  next: number;
  buffer: Buffer;
  startedAt: number;
}

/**
 * Reassembles BAM transfers per source address (J1939-21 allows one BAM per source at a time; a new
 * announce replaces an unfinished one). At most `maxTransfers` at once (≤ 1,785 bytes each), and a transfer
 * older than `timeoutMs` is dropped — JT/T 808 terminals batch CAN frames, so the gap between packets here
 * is the forwarding delay, not the bus's 750 ms T1.
 */
export function createBamReassembler(opts: { maxTransfers: number; timeoutMs: number }) {
  const transfers = new Map<number, Transfer>();

  function expire(now: number): number {
    let dropped = 0;
    for (const [source, t] of transfers) {
      if (now - t.startedAt > opts.timeoutMs) {
        transfers.delete(source);
        dropped++;
      }
    }
    return dropped;
  }

  function accept(frame: { id: number; data: Uint8Array }, now: number): BamOutcome {
    const { pgn, source } = parseCanId(frame.id);
    const data = frame.data;
    if (pgn === PGN_TP_CM) {
      if (data[0] !== TP_CM_BAM) return { kind: 'pending' }; // RTS/CTS are point-to-point sessions, not broadcast
      const size = data[1]! | (data[2]! << 8);
      const packets = data[3]!;
      const carried = data[5]! | (data[6]! << 8) | (data[7]! << 16);
      if (size < 9 || size > TP_MAX_BYTES || packets !== Math.ceil(size / 7)) return { kind: 'rejected', reason: 'bam_bad_announce' };
      if (!transfers.has(source) && transfers.size >= opts.maxTransfers) {
        expire(now);
        if (transfers.size >= opts.maxTransfers) return { kind: 'rejected', reason: 'bam_too_many' };
      }
      transfers.set(source, { pgn: carried, size, packets, next: 1, buffer: Buffer.alloc(packets * 7), startedAt: now });
      return { kind: 'pending' };
    }
    if (pgn !== PGN_TP_DT) return { kind: 'pending' };
    const t = transfers.get(source);
    if (!t || now - t.startedAt > opts.timeoutMs) {
      transfers.delete(source);
      return { kind: 'rejected', reason: 'bam_orphan_packet' };
    }
    if (data[0] !== t.next) {
      transfers.delete(source);
      return { kind: 'rejected', reason: 'bam_out_of_order' };
    }
    Buffer.from(data.buffer, data.byteOffset, data.length).copy(t.buffer, (t.next - 1) * 7, 1, 8);
    t.next++;
    if (t.next <= t.packets) return { kind: 'pending' };
    transfers.delete(source);
    return { kind: 'complete', source, pgn: t.pgn, payload: t.buffer.subarray(0, t.size) };
  }

  return { accept, expire, size: () => transfers.size };
}

export type BamReassembler = ReturnType<typeof createBamReassembler>;
