// Redis Stream adapter of the audit trail. Each append also trims: entries older than the retention
// (XTRIM MINID, the stream id is the time) and beyond the entry cap (MAXLEN), both approximate (~) so
// Redis trims whole nodes cheaply.
import type { Redis } from 'ioredis';

export interface AuditStreamEntry {
  /** Stream id: `<epoch ms>-<seq>`. */
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface AuditStream {
  append(fields: Readonly<Record<string, string>>, retention: { minTimeMs: number; maxEntries: number }): Promise<string>;
  /** Entries from newest to oldest between two times (epoch ms), at most `count`, after `beforeId` when paging. */
  newestFirst(range: { fromMs: number; toMs?: number; beforeId?: string }, count: number): Promise<AuditStreamEntry[]>;
}

export function createAuditStream(deps: { redis: Redis; key: string }): AuditStream {
  const { redis, key } = deps;
  return {
    async append(fields, retention) {
      const args = Object.entries(fields).flat();
      const [[err, id] = []] = (await redis.multi()
        .xadd(key, 'MAXLEN', '~', retention.maxEntries, '*', ...args)
        .xtrim(key, 'MINID', '~', retention.minTimeMs)
        .exec()) ?? [];
      if (err) throw err;
      return id as string;
    },
    async newestFirst(range, count) {
      // Without an end, up to the newest entry: its id is Redis's clock, which may be ahead of ours.
      const end = range.beforeId ? `(${range.beforeId}` : range.toMs !== undefined ? String(range.toMs) : '+';
      const rows = await redis.xrevrange(key, end, String(range.fromMs), 'COUNT', count);
      return rows.map(([id, flat]) => {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
        return { id, fields };
      });
    },
  };
}
