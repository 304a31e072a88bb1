// Splits a TCP byte stream into JT/T 808 frames (the escaped bytes between two 0x7E). Bounded: a frame that
// grows beyond `maxFrameBytes` without its closing 0x7E is dropped (`oversized`) and the reader skips to the
// next 0x7E. A closing 0x7E may also open the next frame, so "7E a 7E 7E b 7E" and "7E a 7E b 7E" both work.
// A frame that lies within one chunk is handed on as a range of that chunk (no copy, no object per frame), valid
// only during the call; only a frame split across chunks is copied and joined into a buffer of its own.
import { FRAME_FLAG } from '../core/jt808-frame.ts';

export type ReaderEvent = { kind: 'frame'; escaped: Buffer } | { kind: 'oversized' } | { kind: 'garbage'; bytes: number };

/** Receives what a reader finds: the escaped frame `buf[start, end)` (valid during the call), or a problem. */
export interface FrameSink {
  frame(buf: Buffer, start: number, end: number): void;
  problem(kind: 'oversized' | 'garbage', bytes: number): void;
}

export function createFrameReader(opts: { maxFrameBytes: number }) {
  let parts: Buffer[] = [];
  let partBytes = 0;
  /** true after a 0x7E: bytes belong to a frame; false while skipping to the next 0x7E. */
  let inFrame = false;

  /** The first `length` bytes of `chunk` (the rest is not this read's: a read buffer may be reused). */
  function pushTo(chunk: Buffer, sink: FrameSink, length = chunk.length): void {
    let at = 0;
    while (at < length) {
      let flag = chunk.indexOf(FRAME_FLAG, at);
      if (flag >= length) flag = -1;
      if (!inFrame) {
        if (flag < 0) {
          sink.problem('garbage', length - at);
          return;
        }
        if (flag > at) sink.problem('garbage', flag - at);
        inFrame = true;
        at = flag + 1;
        continue;
      }
      const end = flag < 0 ? length : flag;
      if (end > at) {
        if (partBytes + end - at > opts.maxFrameBytes) {
          parts = [];
          partBytes = 0;
          inFrame = false;
          sink.problem('oversized', 0);
          at = end;
          continue;
        }
        if (flag >= 0 && partBytes === 0) {
          // The whole frame is in this chunk.
          sink.frame(chunk, at, end);
          at = flag + 1;
          continue;
        }
        // Copied: the chunk may be a read buffer that the next read overwrites.
        partBytes += end - at;
        parts.push(Buffer.from(chunk.subarray(at, end)));
      }
      if (flag < 0) return;
      if (partBytes > 0) {
        const escaped = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
        parts = [];
        partBytes = 0;
        sink.frame(escaped, 0, escaped.length);
      }
      at = flag + 1;
    }
  }

  /** The same as events (tests, tools): each frame as a buffer of its own bytes' view. */
  function push(chunk: Buffer, emit: (event: ReaderEvent) => void): void {
    pushTo(chunk, {
      frame: (buf, start, end) => emit({ kind: 'frame', escaped: start === 0 && end === buf.length ? buf : buf.subarray(start, end) }),
      problem: (kind, bytes) => emit(kind === 'garbage' ? { kind, bytes } : { kind }),
    });
  }

  return { push, pushTo, bufferedBytes: () => partBytes };
}
