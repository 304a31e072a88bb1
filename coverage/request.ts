// What a coverage question covers when it does not say: the last 7 days up to now rounded down to 10 minutes (so
// that repeated requests share one cached answer), at most 93 days, about the rescue of heavy trucks.
import { ValidationError } from '../core/errors.ts';
import type { Capability } from '../core/registry.ts';
import { DEFAULT_CAPABILITY, type CoverageRequest } from './coverage-service.ts';

const DAY = 86_400_000;
/** The longest range a coverage question may span. */
export const MAX_RANGE_DAYS = 93;
const DEFAULT_RANGE_DAYS = 7;
/** The default range ends on this boundary. */
const ROUND_MS = 600_000;

/** The range [fromMs, toMs) of ISO `from`/`to` (either may be absent); a 400 naming `querystring.from` when it is not a usable range. */
export function coverageRange(q: { from?: string | undefined; to?: string | undefined }, nowMs: number): { fromMs: number; toMs: number } {
  const toMs = q.to !== undefined ? Date.parse(q.to) : Math.floor(nowMs / ROUND_MS) * ROUND_MS;
  const fromMs = q.from !== undefined ? Date.parse(q.from) : toMs - DEFAULT_RANGE_DAYS * DAY;
  if (!(fromMs < toMs)) throw new ValidationError('querystring.from must be before querystring.to', [{ field: 'querystring.from', message: 'must be before to' }]);
  if (toMs - fromMs > MAX_RANGE_DAYS * DAY) {
    throw new ValidationError(`the range may span at most ${MAX_RANGE_DAYS} days`, [{ field: 'querystring.from', message: `at most ${MAX_RANGE_DAYS} days before to` }]);
  }
  return { fromMs, toMs };
}

/** A coverage question of one customer (or the whole fleet) with the defaults above filled in. */
export function coverageRequest(
  customerId: string | undefined,
  q: { from?: string; to?: string; thresholdMin: number; capability?: Capability },
  nowMs: number,
): CoverageRequest {
  return {
    ...(customerId !== undefined ? { customerId } : {}),
    ...coverageRange(q, nowMs),
    thresholdMin: q.thresholdMin,
    capability: q.capability ?? DEFAULT_CAPABILITY,
  };
}
