// The live columns of every truck, kept in this API process: loaded once from the live hashes, then kept
// current from the live event stream (`vehicle.position`, `vehicle.status`, `vehicle.fault`), and reloaded
// in full every `resyncMs` (what the stream does not carry: `lastSeen` of a message that changed nothing, a
// hash written by hand, events lost while Redis was away). `GET /v1/fleet/live` then reads memory only.
//
// Loads and events may arrive in any order: each group of columns carries the time that orders it (the
// position its device time `ts`, the fault severity its DM1 time `dm1Ts`, the status its `statusTs`), and
// a merge keeps the newer — the same rule the ingester applies to the hash. So an event read before a load
// that answers with older data is not undone, and a load needs no pause of the stream.
//
// Reads are one HMGET per truck (auto-pipelined), never a multi-key script: every command names one key,
// as Redis Cluster requires.
import type { Redis } from 'ioredis';
import type { LiveEvent } from '../core/events.ts';
import { snapshotSeverity, type Dtc, type Lamps } from '../core/j1939.ts';
import type { RedisKeys } from '../core/keys.ts';
import { LIVE_FIELDS } from '../core/live-state.ts';

/** One truck's live columns. A new object on every change (fleet-json.ts memoizes JSON per object). */
export interface LiveColumns {
  lat?: number;
  lon?: number;
  speed?: number;
  heading?: number;
  /** Device time of the newest position, epoch ms. */
  ts?: number;
  status?: 'online' | 'offline';
  statusTs?: number;
  severity: string;
  dm1Ts?: number;
  /** Server time of the last message, epoch ms. */
  lastSeen?: number;
}

const HASH_FIELDS = [
  LIVE_FIELDS.lat, LIVE_FIELDS.lon, LIVE_FIELDS.speedKmh, LIVE_FIELDS.heading, LIVE_FIELDS.ts,
  LIVE_FIELDS.status, LIVE_FIELDS.statusTs, LIVE_FIELDS.severity, LIVE_FIELDS.dm1Ts, LIVE_FIELDS.lastSeen,
] as const;
/** Hashes read per await: bounds the memory of one batch and lets requests run between batches. */
const LOAD_BATCH = 2000;

function num(raw: string | null | undefined): number | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** The columns of one live hash (HMGET in HASH_FIELDS order); undefined when the hash is empty. */
export function columnsOfHash(row: ReadonlyArray<string | null>): LiveColumns | undefined {
  if (row.every((v) => v === null)) return undefined;
  const [lat, lon, speed, heading, ts, status, statusTs, severity, dm1Ts, lastSeen] = row;
  const c: LiveColumns = { severity: severity || 'none' };
  const put = (field: 'lat' | 'lon' | 'speed' | 'heading' | 'ts' | 'statusTs' | 'dm1Ts' | 'lastSeen', raw: string | null | undefined) => {
    const n = num(raw);
    if (n !== undefined) c[field] = n;
  };
  put('lat', lat);
  put('lon', lon);
  put('speed', speed);
  put('heading', heading);
  put('ts', ts);
  put('statusTs', statusTs);
  put('dm1Ts', dm1Ts);
  put('lastSeen', lastSeen);
  if (status === 'online' || status === 'offline') c.status = status;
  return c;
}

const older = (a: number | undefined, b: number | undefined) => (a ?? -Infinity) < (b ?? -Infinity);

/**
 * `cur` with the groups of `next` that are not older than cur's: position by `ts`, severity by `dm1Ts`,
 * status by `statusTs`; `lastSeen` the later. A group whose times are both unknown takes `next` (a load
 * is the hash as it is now).
 */
export function mergeColumns(cur: LiveColumns | undefined, next: LiveColumns): LiveColumns {
  if (!cur) return next;
  const out: LiveColumns = { severity: cur.severity };
  const position = older(next.ts, cur.ts) ? cur : next;
  for (const field of ['lat', 'lon', 'speed', 'heading', 'ts'] as const) if (position[field] !== undefined) out[field] = position[field];
  const fault = older(next.dm1Ts, cur.dm1Ts) ? cur : next;
  out.severity = fault.severity;
  if (fault.dm1Ts !== undefined) out.dm1Ts = fault.dm1Ts;
  const status = older(next.statusTs, cur.statusTs) ? cur : next;
  if (status.status !== undefined) out.status = status.status;
  if (status.statusTs !== undefined) out.statusTs = status.statusTs;
  const lastSeen = Math.max(cur.lastSeen ?? -Infinity, next.lastSeen ?? -Infinity);
  if (Number.isFinite(lastSeen)) out.lastSeen = lastSeen;
  return out;
}

function finite(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

/** What one live event changes (ingest/apply-state.ts writes these events with the hash, in one script). */
export function applyEvent(cur: LiveColumns | undefined, event: LiveEvent): LiveColumns | undefined {
  const at = Date.parse(event.at);
  const seen = Number.isFinite(at) ? Math.max(at, cur?.lastSeen ?? -Infinity) : cur?.lastSeen;
  const base: LiveColumns = cur ?? { severity: 'none' };
  const d = event.data;
  switch (event.type) {
    case 'vehicle.position': {
      const ts = finite(d.ts);
      const lat = finite(d.lat);
      const lon = finite(d.lon);
      if (ts === undefined || lat === undefined || lon === undefined) return cur;
      if (base.ts !== undefined && ts <= base.ts) return seen === cur?.lastSeen ? cur : { ...base, ...(seen !== undefined ? { lastSeen: seen } : {}) };
      const next: LiveColumns = { ...base, lat, lon, ts };
      delete next.speed;
      delete next.heading;
      const speed = finite(d.speedKmh);
      const heading = finite(d.heading);
      if (speed !== undefined) next.speed = speed;
      if (heading !== undefined) next.heading = heading;
      if (seen !== undefined) next.lastSeen = seen;
      return next;
    }
    case 'vehicle.status': {
      const status = d.status;
      if ((status !== 'online' && status !== 'offline') || !Number.isFinite(at)) return cur;
      if (older(at, base.statusTs)) return cur;
      return { ...base, status, statusTs: at, ...(seen !== undefined ? { lastSeen: seen } : {}) };
    }
    case 'vehicle.fault': {
      const ts = finite(d.ts);
      const lamps = d.lamps as Lamps | undefined;
      const active = d.active as Dtc[] | undefined;
      if (ts === undefined || !lamps || typeof lamps !== 'object' || !Array.isArray(active)) return cur;
      if (base.dm1Ts !== undefined && ts <= base.dm1Ts) return cur;
      return { ...base, severity: snapshotSeverity(lamps, active), dm1Ts: ts, ...(seen !== undefined ? { lastSeen: seen } : {}) };
    }
    default:
      return cur;
  }
}

export interface LiveTableDeps {
  redis: Pick<Redis, 'hmget'>;
  keys: Pick<RedisKeys, 'live'>;
  /** The API's reader of the live stream (api/event-fanout.ts). */
  events: { subscribe(listener: (events: ReadonlyArray<{ event: LiveEvent }>) => void): Promise<() => void> };
  /** Full reload period, ms. */
  resyncMs: number;
  onError?: (err: unknown) => void;
}

export function createLiveTable(deps: LiveTableDeps) {
  const columns = new Map<string, LiveColumns>();
  let started: Promise<void> | undefined;
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  /** VINs whose hash was read at least once (a later registry version reads only the new ones). */
  const loaded = new Set<string>();
  let knownVins: () => readonly string[] = () => [];

  async function load(vins: readonly string[]): Promise<void> {
    for (let i = 0; i < vins.length; i += LOAD_BATCH) {
      const slice = vins.slice(i, i + LOAD_BATCH);
      const rows = await Promise.all(slice.map((vin) => deps.redis.hmget(deps.keys.live(vin), ...HASH_FIELDS)));
      slice.forEach((vin, j) => {
        loaded.add(vin);
        const row = columnsOfHash(rows[j]!);
        if (row) columns.set(vin, mergeColumns(columns.get(vin), row));
      });
    }
  }

  function resyncLater(): void {
    if (closed) return;
    timer = setTimeout(() => {
      load(knownVins()).catch((err) => deps.onError?.(err)).finally(resyncLater);
    }, deps.resyncMs);
    timer.unref();
  }

  return {
    /**
     * Subscribes to the stream, then reads the hashes of `vins` (first call only; later calls resolve at
     * once). `vinsNow` names the trucks each periodic resync reads.
     */
    start(vins: readonly string[], vinsNow: () => readonly string[]): Promise<void> {
      knownVins = vinsNow;
      started ??= (async () => {
        unsubscribe = await deps.events.subscribe((events) => {
          for (const { event } of events) {
            if (!event.vin || !event.type.startsWith('vehicle.')) continue;
            const cur = columns.get(event.vin);
            const next = applyEvent(cur, event);
            if (next && next !== cur) columns.set(event.vin, next);
          }
        });
        await load(vins);
        resyncLater();
      })();
      started.catch(() => {
        started = undefined;
        unsubscribe?.();
      });
      return started;
    },
    /** Reads the hashes of trucks never read before (new in the registry). */
    async add(vins: readonly string[]): Promise<void> {
      const fresh = vins.filter((v) => !loaded.has(v));
      if (fresh.length) await load(fresh);
    },
    get(vin: string): LiveColumns | undefined {
      return columns.get(vin);
    },
    /** A full reload now (what the timer does every resyncMs). */
    resync(): Promise<void> {
      return load(knownVins());
    },
    close(): void {
      closed = true;
      if (timer) clearTimeout(timer);
      unsubscribe?.();
    },
  };
}

export type LiveTable = ReturnType<typeof createLiveTable>;
