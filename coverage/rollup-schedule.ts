// Keeps the telemetry roll-ups that coverage reads current: one run per interval, started by the API's
// composition root (not by a read). The lock inside rollUp keeps several API instances from duplicating work.
import type { CoverageHistory } from '../infra/coverage-history.ts';

export function scheduleCoverageRollups(deps: {
  history: Pick<CoverageHistory, 'rollUp'>;
  everyMs: number;
  onError: (err: unknown) => void;
}): { stop(): void } {
  if (deps.everyMs <= 0) return { stop() {} };
  let running = false;
  const run = () => {
    if (running) return;
    running = true;
    deps.history.rollUp().catch(deps.onError).finally(() => {
      running = false;
    });
  };
  const timer = setInterval(run, deps.everyMs);
  timer.unref();
  run();
  return { stop: () => clearInterval(timer) };
}
