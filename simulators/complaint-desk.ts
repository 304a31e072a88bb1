// A simulated complaint desk: the call center's agents answer every open complaint after a log-normal delay in
// simulated hours (POST /v1/complaints/{id}/answer). Most answers come the same working day; the long tail of the
// delay is what makes some answers late against the 2-working-day promise, which the scenario report measures on
// simulated time (see `computeComplaintKpis` in scenario.ts).
import type { Random } from '../core/prng.ts';
import { RescueApiError, type RescueApiClient } from './rescue-api-client.ts';

export interface ComplaintDeskOptions {
  readonly api: Pick<RescueApiClient, 'complaints' | 'answerComplaint'>;
  readonly rng: Random;
  /** Median time to answer, simulated hours (log-normal). */
  readonly answerMedianH: number;
  /** Log-normal shape of the answer time. */
  readonly answerSigma: number;
  readonly speedup: number;
  readonly now: () => number;
}

export const COMPLAINT_ANSWERS: readonly string[] = [
  '非常抱歉给您带来不便。我们已与服务站核实情况，并安排专人跟进，今后将改进。',
  '感谢您的反馈。服务站已说明原因，相关配件的备货已调整，我们会持续跟踪。',
  '您的意见已收到，服务站负责人将在今天内与您电话联系。',
];

export function createComplaintDesk(opts: ComplaintDeskOptions) {
  const due = new Map<string, number>();
  const stats = { seen: 0, answered: 0, refused: 0 };

  async function poll(): Promise<void> {
    const open = await opts.api.complaints('open');
    const now = opts.now();
    for (const c of open) {
      if (due.has(c.id)) continue;
      stats.seen++;
      due.set(c.id, now + (opts.rng.logNormal(opts.answerMedianH, opts.answerSigma) * 3_600_000) / opts.speedup);
    }
    for (const [id, at] of due) {
      if (at > now) continue;
      due.set(id, Infinity);
      try {
        await opts.api.answerComplaint(id, opts.rng.pick(COMPLAINT_ANSWERS));
        stats.answered++;
      } catch (err) {
        if (!(err instanceof RescueApiError) || err.status >= 500) {
          due.set(id, now + 2000); // transient: try again shortly
          continue;
        }
        stats.refused++; // 409: closed or answered meanwhile
      }
    }
  }

  return { poll, stats: () => ({ ...stats, waiting: [...due.values()].filter((t) => Number.isFinite(t)).length }) };
}

export type ComplaintDesk = ReturnType<typeof createComplaintDesk>;
