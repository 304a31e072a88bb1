// Simulated service stations answering the dispatcher through the API: they poll the offered and
// launched cases, answer each pending offer once (after a response delay), and move their launched
// rescues to on_site after the promised ETA, to waiting_parts while a part is still on its way, to repairing,
// then repaired (log-normal duration by fault system) or towed, then closed; the customer rates the repair. Time is injected
// (`now`, wall ms) and delays are divided by `speedup`, so compressed scenarios and tests don't wait.
import type { Random } from '../core/prng.ts';
import { RescueApiError, type CaseView, type RescueApiClient } from './rescue-api-client.ts';
import { answerOffer, COMPLAINT_TEXTS, customerComplains, customerScore, planRescue, type StationBehaviour } from './station-behaviour.ts';

export interface StationResponderOptions {
  readonly api: Pick<RescueApiClient, 'list' | 'accept' | 'decline' | 'status'> & Partial<Pick<RescueApiClient, 'rate' | 'quoteAndApprove' | 'complain'>>;
  readonly rng: Random;
  readonly behaviour: StationBehaviour;
  /** Simulated seconds per wall second for every delay of the stations. */
  readonly speedup: number;
  /** Stations that are down: they never answer (their offers time out). */
  readonly silentStations: ReadonlySet<string>;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export interface ResponderStats {
  polls: number;
  offersSeen: number;
  accepted: number;
  declined: number;
  declinedByReason: Record<string, number>;
  ignored: number;
  onSite: number;
  waitedForParts: number;
  /** Repaired (the status `repaired`; `resolved` is its old name). */
  resolved: number;
  ratings: Record<string, number>;
  /** Complaints the simulated customers filed after a poor repair. */
  complaintsFiled: number;
  towed: number;
  closed: number;
  /** Answers the API refused (e.g. the offer had already timed out: 409). */
  refused: number;
  errors: number;
  lastError: string | undefined;
}

interface Action {
  at: number;
  key: string;
  run: () => Promise<void>;
  attempts: number;
}

export function createStationResponder(opts: StationResponderOptions) {
  const { api, rng, behaviour } = opts;
  const wallMs = (simSeconds: number) => (simSeconds * 1000) / opts.speedup;
  /** Keys of decisions already taken: `${case}:${attempt}` for offers, `${case}:${status}` for progress. */
  const planned = new Set<string>();
  const queue: Action[] = [];
  const stats: ResponderStats = {
    polls: 0, offersSeen: 0, accepted: 0, declined: 0, declinedByReason: {}, ignored: 0, onSite: 0, waitedForParts: 0, resolved: 0, ratings: {}, complaintsFiled: 0, towed: 0,
    closed: 0, refused: 0, errors: 0, lastError: undefined,
  };

  function schedule(key: string, at: number, run: () => Promise<void>): void {
    planned.add(key);
    queue.push({ at, key, run, attempts: 0 });
  }

  function planOffer(c: CaseView): void {
    const offer = c.offers.find((o) => o.outcome === 'pending');
    if (!offer) return;
    const key = `${c.id}:offer:${offer.attempt}`;
    if (planned.has(key)) return;
    stats.offersSeen++;
    if (opts.silentStations.has(offer.stationId)) {
      planned.add(key);
      stats.ignored++;
      return;
    }
    const answer = answerOffer(rng, behaviour, offer);
    schedule(key, opts.now() + wallMs(answer.afterS), async () => {
      if (answer.action === 'accept') {
        await api.accept(c.id, offer.stationId, { vanId: answer.vanId, technician: answer.technician, etaMin: answer.etaMin });
        stats.accepted++;
        opts.log(`${offer.stationId} accepted ${c.id} (ETA ${answer.etaMin} min)`);
      } else {
        await api.decline(c.id, offer.stationId, answer.reason);
        stats.declined++;
        stats.declinedByReason[answer.reason] = (stats.declinedByReason[answer.reason] ?? 0) + 1;
        opts.log(`${offer.stationId} declined ${c.id}: ${answer.reason}`);
      }
    });
  }

  function planProgress(c: CaseView): void {
    const launch = c.launch;
    if (!launch || opts.silentStations.has(launch.stationId)) return;
    const key = `${c.id}:progress`;
    if (planned.has(key)) return;
    const launchedAt = Date.parse(launch.at);
    const base = Number.isFinite(launchedAt) ? Math.min(launchedAt, opts.now()) : opts.now();
    // Parts lines: a station shelf's part is there now, a depot's at its readyAt (wall time), a missing one back-ordered.
    const partsReadyAfterS = (c.parts ?? [])
      .filter((p) => p.status !== 'released' && p.status !== 'consumed')
      .map((p) => (p.status === 'unavailable' ? undefined : p.readyAt ? (Math.max(0, Date.parse(p.readyAt) - base) / 1000) * opts.speedup : 0));
    const progress = planRescue(rng, behaviour, { promisedEtaMin: launch.etaMin ?? 30, ...(c.systems ? { systems: c.systems } : {}), partsReadyAfterS });
    const onSiteAt = Math.max(base + wallMs(progress.onSiteAfterS), opts.now());
    const partsAt = base + wallMs(progress.partsAfterS);
    const startAt = Math.max(onSiteAt, partsAt) + 1;
    const finishAt = startAt + wallMs(progress.finishAfterS);
    const closeAt = finishAt + wallMs(progress.closeAfterS);
    const station = launch.stationId;
    if (c.status === 'launched') {
      schedule(`${c.id}:on_site`, onSiteAt, async () => {
        await api.status(c.id, station, 'on_site');
        stats.onSite++;
      });
    }
    if (partsAt > onSiteAt && progress.outcome === 'repaired') {
      schedule(`${c.id}:waiting_parts`, onSiteAt + 0.5, async () => {
        await api.status(c.id, station, 'waiting_parts');
        stats.waitedForParts++;
      });
    }
    // Out of warranty: the station quotes on site and the customer approves before the repair starts.
    if (c.needsQuote && c.customerId && api.quoteAndApprove && progress.outcome === 'repaired') {
      const customerId = c.customerId;
      schedule(`${c.id}:quote`, onSiteAt + 0.7, async () => {
        await api.quoteAndApprove!(c.id, station, customerId, Math.round(rng.range(800, 6000)));
      });
    }
    if (progress.outcome === 'repaired') schedule(`${c.id}:repairing`, startAt, () => api.status(c.id, station, 'repairing'));
    schedule(`${c.id}:${progress.outcome}`, finishAt, async () => {
      await api.status(c.id, station, progress.outcome);
      if (progress.outcome === 'towed') {
        stats.towed++;
        return;
      }
      stats.resolved++;
      const customerId = c.customerId;
      if (!customerId || !api.rate) return;
      // The customer rates within the hour; a repair past the 24-hour promise scores lower.
      const withinDeadline = finishAt - base <= wallMs(24 * 3600);
      const score = customerScore(rng, withinDeadline);
      schedule(`${c.id}:rating`, finishAt + wallMs(rng.range(300, 3600)), async () => {
        if (!(await api.rate!(c.id, customerId, score))) return;
        stats.ratings[score] = (stats.ratings[score] ?? 0) + 1;
        if (!api.complain || !customerComplains(rng, score, withinDeadline)) return;
        // An unhappy customer complains some hours later (simulated 0.5–8 h).
        schedule(`${c.id}:complaint`, opts.now() + wallMs(rng.range(1800, 8 * 3600)), async () => {
          if (await api.complain!(c.id, customerId, rng.pick(COMPLAINT_TEXTS))) stats.complaintsFiled++;
        });
      });
    });
    schedule(`${c.id}:closed`, closeAt, async () => {
      await api.status(c.id, station, 'closed');
      stats.closed++;
    });
    planned.add(key);
  }

  async function poll(): Promise<void> {
    stats.polls++;
    const [offered, launched, onSite] = await Promise.all([api.list('offered'), api.list('launched'), api.list('on_site')]);
    for (const c of offered) planOffer(c);
    for (const c of [...launched, ...onSite]) planProgress(c);
  }

  /** Runs every action that is due, oldest first; an action the API refuses is dropped. */
  async function runDue(): Promise<number> {
    const now = opts.now();
    queue.sort((a, b) => a.at - b.at);
    let ran = 0;
    while (queue.length > 0 && queue[0]!.at <= now) {
      const action = queue.shift()!;
      ran++;
      try {
        await action.run();
      } catch (err) {
        if (err instanceof RescueApiError && err.status >= 400 && err.status < 500) {
          // 409: the offer timed out or the case moved on; 404: it is gone. Nothing to retry.
          stats.refused++;
          opts.log(`refused: ${err.message}`);
        } else if (++action.attempts < 5) {
          stats.errors++;
          stats.lastError = err instanceof Error ? err.message : String(err);
          action.at = now + 2000 * action.attempts;
          queue.push(action);
        } else {
          stats.errors++;
          stats.lastError = err instanceof Error ? err.message : String(err);
        }
      }
    }
    return ran;
  }

  return {
    poll,
    runDue,
    stats: (): Readonly<ResponderStats> => ({ ...stats, declinedByReason: { ...stats.declinedByReason }, ratings: { ...stats.ratings } }),
    pending: () => queue.length,
  };
}

export type StationResponder = ReturnType<typeof createStationResponder>;
