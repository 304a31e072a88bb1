// Splits a TCP byte stream into JT/T 808 frames (the escaped bytes between two 0x7E). Bounded: a frame that
// grows beyond `maxFrameBytes` without its closing 0x7E is dropped (`oversized`) and the reader skips to the
// next 0x7E. A closing 0x7E may also open the next frame, so "7E a 7E 7E b 7E" and "7E a 7E b 7E" both work.
import { FRAME_FLAG } from '../core/jt808-frame.ts';

export type ReaderEvent = { kind: 'frame'; escaped: Buffer } | { kind: 'oversized' } | { kind: 'garbage'; bytes: number };

export function createFrameReader(opts: { maxFrameBytes: number }) {
  let parts: Buffer[] = [];
  let partBytes = 0;
  /** true after a 0x7E: bytes belong to a frame; false while skipping to the next 0x7E. */
  let inFrame = false;

  function push(chunk: Buffer, emit: (event: ReaderEvent) => void): void {
    let at = 0;
    while (at < chunk.length) {
      const flag = chunk.indexOf(FRAME_FLAG, at);
      if (!inFrame) {
        if (flag < 0) {
          emit({ kind: 'garbage', bytes: chunk.length - at });
          return;
        }
        if (flag > at) emit({ kind: 'garbage', bytes: flag - at });
        inFrame = true;
        at = flag + 1;
        continue;
      }
      const end = flag < 0 ? chunk.length : flag;
      if (end > at) {
        partBytes += end - at;
        if (partBytes > opts.maxFrameBytes) {
          parts = [];
          partBytes = 0;
          inFrame = false;
          emit({ kind: 'oversized' });
          at = end;
          continue;
        }
        parts.push(chunk.subarray(at, end));
      }
      if (flag < 0) return;
      if (partBytes > 0) {
        const escaped = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
        parts = [];
        partBytes = 0;
        emit({ kind: 'frame', escaped });
      }
      at = flag + 1;
    }
  }

  return { push, bufferedBytes: () => partBytes };
}
