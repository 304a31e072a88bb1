// Reassembly of sub-packaged JT/T 808 messages (body-properties bit 13) for one connection. The packages of
// one message carry consecutive serial numbers, so a message is keyed by its id, its package count and the
// serial of its first package. Bounded: at most `maxPending` messages at once, `maxPackages` packages each
// (≤ 1,023 body bytes per package), and a message not complete within `timeoutMs` is dropped. Halfway through
// that time an incomplete message is reported once by `overdue` with its missing package numbers, for the
// platform's 0x8003 re-send request (JT/T 808 §8.5): the terminal then sends just those packages again.
import type { FrameHeader } from '../core/jt808-frame.ts';

export type ReassemblyOutcome =
  | { kind: 'complete'; header: FrameHeader; body: Buffer; serials: number[] }
  | { kind: 'pending' }
  | { kind: 'rejected'; reason: 'subpackage_too_large' | 'subpackage_overflow' };

interface Pending {
  header: FrameHeader;
  parts: Array<Buffer | undefined>;
  received: number;
  startedAt: number;
  first: number;
  resendRequested: boolean;
}

/** An incomplete message to ask the terminal for again (0x8003). */
export interface OverdueMessage {
  header: FrameHeader;
  /** Serial of the first package. */
  first: number;
  /** Missing package numbers, 1-based. */
  missing: number[];
}

export function createSubPackageAssembler(opts: { maxPending: number; maxPackages: number; timeoutMs: number }) {
  const pending = new Map<string, Pending>();

  /** Drops messages older than the timeout; returns how many. */
  function expire(now: number): number {
    let dropped = 0;
    for (const [key, p] of pending) {
      if (now - p.startedAt > opts.timeoutMs) {
        pending.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Incomplete messages older than half the timeout not yet reported; each is reported once. */
  function overdue(now: number): OverdueMessage[] {
    const out: OverdueMessage[] = [];
    for (const p of pending.values()) {
      if (p.resendRequested || now - p.startedAt <= opts.timeoutMs / 2) continue;
      p.resendRequested = true;
      const missing: number[] = [];
      for (let i = 0; i < p.parts.length; i++) if (p.parts[i] === undefined) missing.push(i + 1);
      out.push({ header: p.header, first: p.first, missing });
    }
    return out;
  }

  function add(header: FrameHeader & { subPackage: NonNullable<FrameHeader['subPackage']> }, body: Buffer, now: number): ReassemblyOutcome {
    const { total, index } = header.subPackage;
    if (total > opts.maxPackages) return { kind: 'rejected', reason: 'subpackage_too_large' };
    const first = (header.serial - index + 1) & 0xffff;
    const key = `${header.messageId}:${total}:${first}`;
    let message = pending.get(key);
    if (!message) {
      if (pending.size >= opts.maxPending && expire(now) === 0) return { kind: 'rejected', reason: 'subpackage_overflow' };
      message = { header, parts: new Array<Buffer | undefined>(total), received: 0, startedAt: now, first, resendRequested: false };
      pending.set(key, message);
    }
    // A resent package replaces the earlier copy (copied: the frame's buffer is reused by nobody, but small).
    if (message.parts[index - 1] === undefined) message.received++;
    message.parts[index - 1] = Buffer.from(body);
    if (index === 1) message.header = header;
    if (message.received < total) return { kind: 'pending' };
    pending.delete(key);
    const serials = Array.from({ length: total }, (_, i) => (first + i) & 0xffff);
    const { subPackage: _, ...whole } = message.header;
    return { kind: 'complete', header: { ...whole, serial: first }, body: Buffer.concat(message.parts as Buffer[]), serials };
  }

  return { add, expire, overdue, size: () => pending.size };
}
