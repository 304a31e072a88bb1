// A simulated call-center agent: when a case is escalated without a launch, the agent phones stations and
// assigns one by hand (POST /v1/rescues/{id}/assign) after a reaction time — the manual assignment path of the dispatcher (docs/dispatch.md).
// The station chosen is the best kept candidate that has not declined or let an offer time out.
import type { Random } from '../core/prng.ts';
import { RescueApiError, type CaseView, type RescueApiClient } from './rescue-api-client.ts';

export interface CallCenterOptions {
  readonly api: Pick<RescueApiClient, 'list' | 'assign'>;
  readonly rng: Random;
  /** Median agent reaction to an escalation, simulated seconds (log-normal, shape 0.4). */
  readonly reactionMedianS: number;
  readonly speedup: number;
  /** Stations that cannot be reached (an outage). */
  readonly unreachable: ReadonlySet<string>;
  readonly now: () => number;
}

export function chooseStationByHand(c: CaseView, unreachable: ReadonlySet<string>): { stationId: string; etaMin: number } | undefined {
  const refused = new Set(c.offers.filter((o) => o.outcome !== 'pending').map((o) => o.stationId));
  const pool = c.candidates.filter((x) => !refused.has(x.stationId) && !unreachable.has(x.stationId));
  const pick = pool.find((x) => x.kept) ?? pool[0];
  return pick ? { stationId: pick.stationId, etaMin: Math.round(pick.etaMin) } : undefined;
}

export function createCallCenter(opts: CallCenterOptions) {
  const due = new Map<string, number>();
  const stats = { escalationsSeen: 0, assigned: 0, refused: 0, noStation: 0 };

  async function poll(): Promise<void> {
    const [open, offered] = await Promise.all([opts.api.list('open'), opts.api.list('offered')]);
    const now = opts.now();
    for (const c of [...open, ...offered]) {
      if (!c.escalated || due.has(c.id)) continue;
      stats.escalationsSeen++;
      due.set(c.id, now + (opts.rng.logNormal(opts.reactionMedianS, 0.4) * 1000) / opts.speedup);
    }
    for (const c of [...open, ...offered]) {
      const at = due.get(c.id);
      if (at === undefined || at > now || !c.escalated) continue;
      due.set(c.id, Infinity);
      const choice = chooseStationByHand(c, opts.unreachable);
      if (!choice) {
        stats.noStation++;
        continue;
      }
      try {
        await opts.api.assign(c.id, choice.stationId, { etaMin: choice.etaMin, note: 'assigned by phone after escalation' });
        stats.assigned++;
      } catch (err) {
        if (!(err instanceof RescueApiError)) throw err;
        stats.refused++;
      }
    }
  }

  return { poll, stats: () => ({ ...stats }) };
}
