// Redis adapter of what the ingester refused: the capped dead-letter list and the counts per reason (written by
// ingest/apply-state.ts), read for GET /v1/ingest/dead-letters.
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../core/keys.ts';
import { DEAD_LETTER_LIST_MAX, type DeadLetter } from '../core/telemetry.ts';

/** A dead letter as read back: the ingester's record (core/telemetry.ts), with `at` and `reason` as loose as older entries. */
export type IngestDeadLetter = Omit<DeadLetter, 'at' | 'reason'> & { at: string | number; reason: string };

/** With a reason filter, the whole capped list is scanned. */
const REASON_SCAN_WINDOW = DEAD_LETTER_LIST_MAX;

export function createIngestDeadLetters(deps: { redis: Pick<Redis, 'hgetall' | 'llen' | 'lrange'>; keys: Pick<RedisKeys, 'deadLetters' | 'deadLetterCounts'> }) {
  return {
    /** Counts per reason, the list's length, and a page of entries, newest first (only `reason`'s when given). */
    async page(q: { offset: number; limit: number; reason?: string }): Promise<{ counts: Record<string, number>; total: number; items: IngestDeadLetter[] }> {
      const { offset, limit, reason } = q;
      const window = reason ? REASON_SCAN_WINDOW : limit;
      const [rawCounts, total, rows] = await Promise.all([
        deps.redis.hgetall(deps.keys.deadLetterCounts),
        deps.redis.llen(deps.keys.deadLetters),
        deps.redis.lrange(deps.keys.deadLetters, reason ? 0 : offset, (reason ? 0 : offset) + window - 1),
      ]);
      const counts = Object.fromEntries(Object.entries(rawCounts).map(([k, v]) => [k, Number(v) || 0]));
      const parsed = rows.flatMap((json): IngestDeadLetter[] => {
        try {
          const d = JSON.parse(json) as Record<string, unknown>;
          return [{
            at: typeof d.at === 'number' || typeof d.at === 'string' ? d.at : '',
            reason: String(d.reason ?? 'unknown'),
            topic: String(d.topic ?? ''),
            ...(typeof d.vin === 'string' ? { vin: d.vin } : {}),
            detail: String(d.detail ?? ''),
            payload: typeof d.payload === 'string' ? d.payload : JSON.stringify(d.payload ?? null),
          }];
        } catch {
          return [];
        }
      });
      const items = reason ? parsed.filter((d) => d.reason === reason).slice(offset, offset + limit) : parsed;
      return { counts, total, items };
    },
  };
}

export type IngestDeadLetters = ReturnType<typeof createIngestDeadLetters>;
