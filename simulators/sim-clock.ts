// Simulated time: epoch ms that run `speedup` times faster than the wall clock from `start`.
// Injected everywhere so that tests and compressed scenarios never wait for real time.

export interface SimClock {
  /** Current simulated time, epoch ms. */
  now(): number;
  readonly speedup: number;
}

export function createSimClock(opts: { start: number; speedup: number; wallNow?: () => number }): SimClock {
  if (!(opts.speedup > 0)) throw new Error('speedup must be > 0');
  const wallNow = opts.wallNow ?? Date.now;
  const wallStart = wallNow();
  return { now: () => opts.start + (wallNow() - wallStart) * opts.speedup, speedup: opts.speedup };
}

/** A clock moved by hand (tests, step-wise replays). */
export function createManualClock(start: number): SimClock & { set(t: number): void; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    speedup: 1,
    set: (value) => { t = value; },
    advance: (ms) => { t += ms; },
  };
}
