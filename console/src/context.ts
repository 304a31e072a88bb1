// What every view receives: the API client, the signed-in caller, the live feed and map settings.
import type { Api } from './api.ts';
import type { Directory } from './directory.ts';
import { startCountdowns } from './fmt.ts';
import type { LiveEvent, LiveFeed } from './live.ts';
import type { Station } from './model.ts';
import type { Session } from './session.ts';
import type { MapSettings } from './settings.ts';

export interface ViewContext {
  readonly api: Api;
  readonly session: Session;
  readonly live: LiveFeed;
  readonly settings: MapSettings;
  /** Stations, customers and the fleet snapshot, shared by every view (see directory.ts). */
  readonly directory: Directory;
  /** A station record by id, from the directory (stations rarely change during a shift). */
  station(id: string): Promise<Station | undefined>;
  /** Name of the customer, station or advisor the caller is bound to (`GET /v1/auth/me`, asked once); screens show it, not the id. */
  boundName(): Promise<string | undefined>;
  navigate(hash: string): void;
}

/** A view renders into `el` and returns its clean-up (timers, subscriptions, the map). */
export type View = (el: HTMLElement, ctx: ViewContext, params: Readonly<Record<string, string>>) => (() => void) | void;

/** Calls `fn` at most once per `ms` after a burst of triggers (e.g. many live events → one reload). */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
}

/**
 * Runs `fn` soon after a trigger, then at most once per `ms` however many triggers arrive (a storm of
 * live events must not turn into a storm of API calls: the API limits requests per caller).
 */
export function throttle(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = 0;
  const run = () => {
    if (timer !== undefined) return;
    const wait = Math.max(150, last + ms - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      fn();
    }, wait);
  };
  run.cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return run;
}

/**
 * Keeps a case view fresh: reloads (rate-limited by `limit`) when a matching live event arrives, polls every
 * 30 s as a safety net for a dropped stream, and runs the countdown clocks inside `el`. Returns the stop function.
 */
export function keepFresh(
  ctx: ViewContext,
  el: HTMLElement,
  load: () => void,
  opts: { matches: (event: LiveEvent) => boolean; limit: (fn: () => void) => { (): void; cancel(): void } },
): () => void {
  const reload = opts.limit(load);
  const unsubscribe = ctx.live.subscribe((event) => {
    if (opts.matches(event)) reload();
  });
  const poll = setInterval(load, 30_000);
  const stopClocks = startCountdowns(el);
  return () => {
    unsubscribe();
    reload.cancel();
    clearInterval(poll);
    stopClocks();
  };
}
