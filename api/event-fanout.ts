// One blocking reader of the live event stream per API instance, fanned out to every SSE connection
// (N browsers cost one Redis connection, not N). Started with the first subscriber, stopped on close.
import type { Redis } from 'ioredis';
import { liveEventsOfEntry, type LiveEvent } from '../core/events.ts';

export interface StreamEvent {
  /**
   * Redis Stream id, used as the SSE event id (resume with Last-Event-ID); for each reminder of an entry that
   * announces several, its own id from the sequence numbers below that entry's (core/events.ts).
   */
  id: string;
  event: LiveEvent;
}

type Listener = (events: readonly StreamEvent[]) => void;

export const STREAM_ID = /^\d{1,15}-\d{1,10}$/;

/** Orders two stream ids ("ms-seq"). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}

/** The events of stream entries; an entry announcing many reminders gives each as its own event, with its own id. */
function parseEntries(entries: Array<[string, string[]]>): StreamEvent[] {
  const out: StreamEvent[] = [];
  for (const [streamId, fields] of entries) {
    for (const { id, event } of liveEventsOfEntry(streamId, fields)) out.push({ id, event });
  }
  return out;
}

export function createEventFanout(deps: { redis: Redis; streamKey: string; blockMs?: number }) {
  const listeners = new Set<Listener>();
  let reader: Redis | undefined;
  let running = false;
  let stopped = false;

  let started: Promise<void> = Promise.resolve();

  /** The id of the newest entry now: reading after it misses nothing published from here on. */
  async function currentLastId(): Promise<string> {
    for (;;) {
      try {
        const newest = (await deps.redis.xrevrange(deps.streamKey, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
        return newest[0]?.[0] ?? '0-0';
      } catch {
        if (stopped) return '0-0';
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  async function loop(lastIdPromise: Promise<string>): Promise<void> {
    reader = deps.redis.duplicate({ maxRetriesPerRequest: null, lazyConnect: false });
    reader.on('error', () => undefined); // reconnects on its own; the loop retries below
    let lastId = await lastIdPromise;
    while (!stopped && listeners.size > 0) {
      try {
        const result = (await reader.xread('COUNT', 1000, 'BLOCK', deps.blockMs ?? 5000, 'STREAMS', deps.streamKey, lastId)) as
          | Array<[string, Array<[string, string[]]>]>
          | null;
        if (!result) continue;
        const entries = result[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        lastId = entries[entries.length - 1]![0];
        const events = parseEntries(entries);
        if (events.length) for (const listener of listeners) listener(events);
      } catch {
        if (stopped) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    running = false;
    reader.disconnect();
    reader = undefined;
  }

  return {
    /**
     * Adds a listener; resolves (with the function that removes it) once every event published from
     * now on is guaranteed to reach the listener.
     */
    async subscribe(listener: Listener): Promise<() => void> {
      listeners.add(listener);
      if (!running && !stopped) {
        running = true;
        const lastId = currentLastId();
        started = lastId.then(() => undefined);
        void loop(lastId);
      }
      await started;
      return () => {
        listeners.delete(listener);
      };
    },
    /**
     * Events after `afterId` still in the (capped) stream, oldest first, at most about `max`. An `afterId` among the
     * reminders of one entry is followed by the rest of that entry's reminders (the entry's id is above it).
     */
    async since(afterId: string, max = 10_000): Promise<StreamEvent[]> {
      const out: StreamEvent[] = [];
      let from = `(${afterId}`;
      while (out.length < max) {
        const entries = (await deps.redis.xrange(deps.streamKey, from, '+', 'COUNT', Math.min(1000, max - out.length))) as Array<[string, string[]]>;
        if (entries.length === 0) break;
        for (const e of parseEntries(entries)) if (compareStreamIds(e.id, afterId) > 0) out.push(e);
        from = `(${entries[entries.length - 1]![0]}`;
      }
      return out;
    },
    close(): void {
      stopped = true;
      listeners.clear();
      reader?.disconnect();
    },
  };
}

export type EventFanout = ReturnType<typeof createEventFanout>;
