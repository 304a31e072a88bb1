// Reads what a station's scorecard needs (its cases reported in the period, complaints about it filed in the
// period) and computes it (core/scorecard.ts).
import type { Redis } from 'ioredis';
import { redisKeys } from '../core/keys.ts';
import { computeScorecard, type Scorecard } from '../core/scorecard.ts';
import type { CaseStore } from '../infra/case-store.ts';
import type { ComplaintStore } from '../infra/complaint-store.ts';

export function createScorecards(deps: { redis: Pick<Redis, 'zrangebyscore'>; prefix: string; cases: Pick<CaseStore, 'getMany'>; complaints: Pick<ComplaintStore, 'listIds' | 'getMany'>; now?: () => Date }) {
  const keys = redisKeys(deps.prefix);
  const now = deps.now ?? (() => new Date());
  return async function scorecard(stationId: string, from: Date, to: Date): Promise<Scorecard> {
    const ids = await deps.redis.zrangebyscore(keys.stationCases(stationId), from.getTime(), `(${to.getTime()}`);
    const [cases, complaints] = await Promise.all([
      deps.cases.getMany(ids),
      deps.complaints.listIds({ stationId }, from.getTime(), to.getTime() - 1).then((cids) => deps.complaints.getMany(cids)),
    ]);
    return computeScorecard(stationId, from, to, cases, complaints, now());
  };
}

export type Scorecards = ReturnType<typeof createScorecards>;
