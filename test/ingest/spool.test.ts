import { appendFileSync, readdirSync, rmSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { comparePositions, createSpool } from '../../ingest/spool.ts';
import { tempDir } from './support.ts';

const dirs: string[] = [];
function dir(): string {
  const d = tempDir('spool');
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const segmentsOf = (d: string) => readdirSync(d).filter((n) => n.startsWith('seg-')).sort();

describe('spool', () => {
  it('reads back what was appended, in order, across segments, and releases applied segments', () => {
    const d = dir();
    const spool = createSpool({ dir: d, segmentBytes: 1000, maxPayloadBytes: 1024 });
    const start = spool.start();
    for (let i = 0; i < 50; i++) spool.append(`t/${i}`, Buffer.from(`payload-${i}`), 1000 + i);
    expect(segmentsOf(d).length).toBeGreaterThan(1);
    const first = spool.read(start, 20);
    expect(first.records.map((r) => r.topic)).toEqual(Array.from({ length: 20 }, (_, i) => `t/${i}`));
    const rest = spool.read(first.next, 1000);
    expect(rest.records.map((r) => r.payload.toString())).toEqual(Array.from({ length: 30 }, (_, i) => `payload-${i + 20}`));
    expect(rest.records.at(-1)!.receivedAt).toBe(1049);
    expect(spool.read(rest.next, 10).records).toHaveLength(0);
    spool.release(rest.next);
    expect(segmentsOf(d)).toHaveLength(1);
    expect(spool.backlogBytes(rest.next)).toBe(0);
    spool.close();
  });

  it('replays from a checkpoint after reopening, keeps its id, and cuts oversized payloads', () => {
    const d = dir();
    const a = createSpool({ dir: d, maxPayloadBytes: 100, truncatedKeepBytes: 10 });
    const positions = [0, 1, 2].map((i) => a.append('x', Buffer.from(`m${i}`), i));
    a.append('big', Buffer.alloc(500, 'y'), 3);
    a.close();
    const b = createSpool({ dir: d, maxPayloadBytes: 100, truncatedKeepBytes: 10 });
    expect(b.spoolId).toBe(a.spoolId);
    const replay = b.read(positions[0]!, 100);
    expect(replay.records.map((r) => r.payload.toString())).toEqual(['m1', 'm2', 'y'.repeat(10)]);
    expect(replay.records[2]!.originalSize).toBe(500);
    b.append('new', Buffer.from('after restart'), 9);
    const more = b.read(replay.next, 100);
    expect(more.records.map((r) => r.topic)).toEqual(['new']);
    expect(comparePositions(more.next, replay.next)).toBeGreaterThan(0);
    b.close();
  });

  it('skips a torn tail left by a crash in an old segment and goes on with the next one', () => {
    const d = dir();
    const a = createSpool({ dir: d, maxPayloadBytes: 1024 });
    const start = a.start();
    a.append('ok', Buffer.from('1'), 1);
    a.append('torn', Buffer.from('2222222222'), 2);
    a.close();
    const file = join(d, segmentsOf(d)[0]!);
    truncateSync(file, statSync(file).size - 4);
    appendFileSync(file, Buffer.from([1, 2]));
    const damage: string[] = [];
    const b = createSpool({ dir: d, maxPayloadBytes: 1024, onDamage: (w) => damage.push(w) });
    b.append('next', Buffer.from('3'), 3);
    const all = b.read(start, 100);
    expect(all.records.map((r) => r.topic)).toEqual(['ok', 'next']);
    expect(damage).toHaveLength(1);
    b.close();
  });
});
