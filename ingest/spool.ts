// The local append-only spool: every message the broker delivers is written here synchronously BEFORE
// it is acknowledged, so "acknowledged" implies "on disk" (in the page cache: survives kill -9 of the
// process; fsync on an interval bounds what a power loss can take, see docs/ingest.md). Messages that
// arrive together are enqueued and written with one system call (`enqueue` … `flush`, group commit);
// the MQTT side holds their acknowledgements until the flush has returned (infra/mqtt.ts).
//
// Layout: `<dir>/spool-id` (random id of this spool's lifetime) and segments `<dir>/seg-<n>.log`, each a
// sequence of records `[u32 bodyLength][u32 crc32(body)][body]`, body = `[f64 receivedAt][u32 originalSize]
// [u16 topicLength][topic][payload]`. A fresh segment is started at every open and when the current one
// passes `segmentBytes`; segments wholly before the applied checkpoint are deleted.
import { randomBytes } from 'node:crypto';
import {
  closeSync, existsSync, fstatSync, fsync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export interface SpoolPosition {
  readonly segment: number;
  readonly offset: number;
}

export interface SpooledMessage {
  readonly topic: string;
  /** The payload, cut to `keepBytes` when the original was larger (see `originalSize`). */
  readonly payload: Buffer;
  readonly originalSize: number;
  /** Server time the broker delivered it (epoch ms). */
  readonly receivedAt: number;
  /** Position just after this record: the checkpoint once it is applied. */
  readonly end: SpoolPosition;
}

export interface SpoolOptions {
  dir: string;
  segmentBytes?: number;
  /** Payloads larger than this are kept only as their first `truncatedKeepBytes` (they are dead letters anyway). */
  maxPayloadBytes: number;
  truncatedKeepBytes?: number;
  /** Called when a damaged record (torn tail after a power loss) is skipped. */
  onDamage?: (what: string) => void;
}

const HEADER = 8;
const BODY_FIXED = 8 + 4 + 2;
const READ_CHUNK = 4 * 1024 * 1024;

export function comparePositions(a: SpoolPosition, b: SpoolPosition): number {
  return a.segment - b.segment || a.offset - b.offset;
}

function segmentName(n: number): string {
  return `seg-${String(n).padStart(12, '0')}.log`;
}

export function createSpool(opts: SpoolOptions) {
  const segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
  const keepBytes = opts.truncatedKeepBytes ?? 4096;
  mkdirSync(opts.dir, { recursive: true });

  const idFile = join(opts.dir, 'spool-id');
  if (!existsSync(idFile)) writeFileSync(idFile, randomBytes(8).toString('hex'));
  const spoolId = readFileSync(idFile, 'utf8').trim();

  const segments = readdirSync(opts.dir)
    .map((name) => /^seg-(\d{12})\.log$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);

  let writeSegment = (segments[segments.length - 1] ?? 0) + 1;
  let writeFd = openSync(join(opts.dir, segmentName(writeSegment)), 'a');
  let writeSize = 0;
  let unsynced = false;
  segments.push(writeSegment);

  function rotate(): void {
    const previous = writeFd;
    fsync(previous, () => closeSync(previous));
    writeSegment += 1;
    writeFd = openSync(join(opts.dir, segmentName(writeSegment)), 'a');
    writeSize = 0;
    segments.push(writeSegment);
  }

  // Records enqueued but not yet written, encoded back to back in one reusable staging buffer, so that a
  // group of messages (all those of one socket read) costs one write system call (group commit).
  let staging = Buffer.allocUnsafe(256 * 1024);
  let staged = 0;

  /**
   * Encodes one message into the staging buffer (topic as text or as its UTF-8 bytes straight from the MQTT
   * frame). It is durable only after the next `flush()`: the caller must not acknowledge it before then.
   */
  function enqueue(topic: string | Buffer, payload: Buffer, receivedAt: number): void {
    const topicLength = Math.min(typeof topic === 'string' ? Buffer.byteLength(topic, 'utf8') : topic.length, 0xffff);
    const kept = payload.length > opts.maxPayloadBytes ? payload.subarray(0, keepBytes) : payload;
    const bodyLength = BODY_FIXED + topicLength + kept.length;
    const total = HEADER + bodyLength;
    if (staged + total > staging.length) {
      const grown = Buffer.allocUnsafe(Math.max(staging.length * 2, staged + total));
      staging.copy(grown, 0, 0, staged);
      staging = grown;
    }
    const at = staged;
    staging.writeDoubleLE(receivedAt, at + HEADER);
    staging.writeUInt32LE(payload.length, at + HEADER + 8);
    // A topic longer than 64 KiB is cut (mid-character at worst): it is dead-lettered as unknown anyway.
    const topicWritten = typeof topic === 'string'
      ? staging.write(topic, at + HEADER + BODY_FIXED, topicLength, 'utf8')
      : topic.copy(staging, at + HEADER + BODY_FIXED, 0, topicLength);
    staging.fill(0, at + HEADER + BODY_FIXED + topicWritten, at + HEADER + BODY_FIXED + topicLength);
    staging.writeUInt16LE(topicLength, at + HEADER + 12);
    kept.copy(staging, at + HEADER + BODY_FIXED + topicLength);
    staging.writeUInt32LE(bodyLength, at);
    staging.writeUInt32LE(crc32(staging.subarray(at + HEADER, at + total)), at + 4);
    staged += total;
  }

  /** Writes every enqueued record with one synchronous write; returns the position after the last. */
  function flush(): SpoolPosition {
    if (staged > 0) {
      if (writeSize >= segmentBytes) rotate();
      let written = 0;
      while (written < staged) written += writeSync(writeFd, staging, written, staged - written);
      writeSize += staged;
      staged = 0;
      unsynced = true;
      if (staging.length > 4 * 1024 * 1024) staging = Buffer.allocUnsafe(256 * 1024); // after a burst of large payloads
    }
    return { segment: writeSegment, offset: writeSize };
  }

  /** Appends one message with a single synchronous write (with anything enqueued before it). */
  function append(topic: string, payload: Buffer, receivedAt: number): SpoolPosition {
    enqueue(topic, payload, receivedAt);
    return flush();
  }

  let syncing = false;
  /**
   * Flushes the current segment to stable storage, on the libuv thread pool so that the event loop keeps
   * taking messages meanwhile (called on an interval; `close` syncs synchronously).
   */
  function sync(): void {
    if (!unsynced || syncing) return;
    unsynced = false;
    syncing = true;
    fsync(writeFd, () => {
      syncing = false;
    });
  }

  let readFd: number | undefined;
  let readFdSegment = -1;

  function segmentLimit(segment: number): number {
    if (segment === writeSegment) return writeSize;
    if (readFd === undefined) return 0;
    return fstatSync(readFd).size;
  }

  function openForRead(segment: number): boolean {
    if (readFdSegment === segment && readFd !== undefined) return true;
    if (readFd !== undefined) closeSync(readFd);
    readFd = undefined;
    readFdSegment = -1;
    const path = join(opts.dir, segmentName(segment));
    if (!existsSync(path)) return false;
    readFd = openSync(path, 'r');
    readFdSegment = segment;
    return true;
  }

  /** The first segment at or after `segment` that exists (segments may have been deleted). */
  function nextExisting(segment: number): number | undefined {
    return segments.find((s) => s >= segment);
  }

  /**
   * Reads up to `maxRecords` complete records from `from`; `next` is where the following read starts.
   * Moves across segment boundaries; a damaged record ends its segment (it can only be a torn tail).
   */
  function read(from: SpoolPosition, maxRecords: number, maxBytes = READ_CHUNK): { records: SpooledMessage[]; next: SpoolPosition } {
    const records: SpooledMessage[] = [];
    let position = from;
    let bytes = 0;
    const full = () => records.length >= maxRecords || bytes >= maxBytes;
    for (;;) {
      const segment = nextExisting(position.segment);
      if (segment === undefined || !openForRead(segment)) break;
      let offset = segment === position.segment ? position.offset : 0;
      const limit = segmentLimit(segment);
      let damaged = false;
      let needed = 0;
      while (!full() && !damaged && offset + HEADER <= limit) {
        // Read about as much as the batch can still take (records average well under 1 KiB), not a fixed 4 MiB.
        const want = Math.min(limit - offset, Math.max(needed, Math.min(READ_CHUNK, maxBytes - bytes, (maxRecords - records.length) * 1024)));
        // A fresh buffer per chunk: the records returned are views into it.
        const readBuffer = Buffer.allocUnsafe(want);
        const got = readSync(readFd!, readBuffer, 0, want, offset);
        let at = 0;
        while (!full() && at + HEADER <= got) {
          const bodyLength = readBuffer.readUInt32LE(at);
          const total = HEADER + bodyLength;
          if (bodyLength < BODY_FIXED || offset + at + total > limit) {
            damaged = true;
            break;
          }
          if (at + total > got) {
            needed = total;
            break;
          }
          const body = readBuffer.subarray(at + HEADER, at + total);
          // The segment being written was written by this process and is read only up to its exact length;
          // checksums matter for segments left by an earlier process (torn tail after a power loss).
          if (segment !== writeSegment && crc32(body) !== readBuffer.readUInt32LE(at + 4)) {
            damaged = true;
            break;
          }
          const topicLength = body.readUInt16LE(12);
          at += total;
          bytes += total;
          records.push({
            receivedAt: body.readDoubleLE(0),
            originalSize: body.readUInt32LE(8),
            topic: body.toString('utf8', BODY_FIXED, BODY_FIXED + topicLength),
            // A view, not a copy: the caller is done with a batch before it reads the next one.
            payload: body.subarray(BODY_FIXED + topicLength),
            end: { segment, offset: offset + at },
          });
        }
        offset += at;
        if (at === 0 && needed <= got) break; // nothing consumable (cannot happen in a consistent file)
      }
      if (!damaged && offset < limit && offset + HEADER > limit) damaged = true; // a few stray bytes at the end
      position = { segment, offset };
      if (full() || segment === writeSegment) break;
      if (damaged) {
        // Only a torn tail (power loss, or a kill in the middle of a write that was therefore never acknowledged).
        opts.onDamage?.(`segment ${segment}: damaged record at offset ${offset} of ${limit}; skipping the rest`);
      } else if (offset < limit) {
        break; // stopped early without being full: read again later
      }
      const following = nextExisting(segment + 1);
      if (following === undefined) break;
      position = { segment: following, offset: 0 };
    }
    return { records, next: position };
  }

  /** Deletes every segment that lies wholly before `position` (already applied). */
  function release(position: SpoolPosition): void {
    while (segments.length > 0 && segments[0]! < position.segment && segments[0]! !== writeSegment) {
      const segment = segments.shift()!;
      if (readFdSegment === segment && readFd !== undefined) {
        closeSync(readFd);
        readFd = undefined;
        readFdSegment = -1;
      }
      try {
        unlinkSync(join(opts.dir, segmentName(segment)));
      } catch {
        // already gone
      }
    }
  }

  /** Bytes written but not yet applied, from `position` to the end of the current segment. */
  function backlogBytes(position: SpoolPosition): number {
    let total = 0;
    for (const segment of segments) {
      if (segment < position.segment) continue;
      const size = segment === writeSegment ? writeSize : sizeOf(segment);
      total += segment === position.segment ? Math.max(0, size - position.offset) : size;
    }
    return total;
  }

  function sizeOf(segment: number): number {
    try {
      const fd = openSync(join(opts.dir, segmentName(segment)), 'r');
      try {
        return fstatSync(fd).size;
      } finally {
        closeSync(fd);
      }
    } catch {
      return 0;
    }
  }

  function close(): void {
    flush();
    fsyncSync(writeFd);
    closeSync(writeFd);
    if (readFd !== undefined) closeSync(readFd);
    readFd = undefined;
  }

  return {
    spoolId,
    /** Where reading starts when no checkpoint applies to this spool: its oldest segment. */
    start: (): SpoolPosition => ({ segment: segments[0] ?? writeSegment, offset: 0 }),
    append,
    enqueue,
    flush,
    sync,
    read,
    release,
    backlogBytes,
    segmentCount: () => segments.length,
    close,
  };
}

export type Spool = ReturnType<typeof createSpool>;
