// npm run bench:dispatch — the dispatcher's two performance targets (docs/benchmarks.md, Dispatch), measured on this machine (not a timed test):
//  1. candidate search on 10,000 stations (exact least-ETA, static filters) vs geolib.orderByDistance
//     over the same stations, in the same run: target ≥ 1,000× faster, p99 ≤ 50 µs (20,000 queries at
//     5,000 random points, after two warm-up passes);
//  2. breakdown → first offer decision at 100 breakdowns/s through the real dispatcher (BullMQ on a
//     private redis-server started here): target p99 ≤ 50 ms.
// Options: --seconds N (load duration, default 20), --rate N (breakdowns/s, default 100), --compare (the decision
// run twice in one invocation: with the station index stale at start, as before, and as now), --mode
// standalone|cluster|both (default both: the decision run on a private standalone Redis, then on a private local
// Redis Cluster of 3 masters + 3 replicas, printed one after the other; in cluster mode also each master's CPU
// share and commands/s, the control-plane slot's master marked).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import geolib from 'geolib';
import { pino } from 'pino';
import { createEtaModel } from '../core/eta.ts';
import { createStationIndex } from '../core/station-index.ts';
import { searchCandidates, type CandidateRequest } from '../core/candidates.ts';
import { redisKeys } from '../core/keys.ts';
import { JOB_OPTIONS, QUEUES, type FaultEvent } from '../core/queues.ts';
import { createRedis } from '../infra/redis.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createCaseStore } from '../infra/case-store.ts';
import { readDispatcherConfig } from '../dispatcher/config.ts';
import { startDispatcher } from '../dispatcher/dispatcher.ts';
import type { DecisionPhases } from '../dispatcher/rescue-processor.ts';
import { makeCustomer, makeStations, makeVehicles, redStopEvent, seededRandom } from '../test/dispatcher/fixtures.ts';
import { arg } from './args.ts';
import { commandStats, masterOf, masterUsage, modesArg, startBenchRedis, usageBetween, type BenchMode } from './redis-modes.ts';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

const fmt = (x: number, digits = 1) => x.toFixed(digits);

// China-sized network: 10,000 stations over ~20° × 20° around the centre of the eastern provinces.
const CENTRE = { lat: 32, lon: 112 };
const model = createEtaModel();

function benchSearch() {
  const stations = makeStations({ count: 10_000, centre: CENTRE, spreadDeg: 10, seed: 2026, restrictedHours: 0.2, inactive: 0.05 });
  const index = createStationIndex(stations, model);
  const rnd = seededRandom(77);
  const points = Array.from({ length: 5000 }, () => ({ lat: CENTRE.lat + (rnd() * 2 - 1) * 10, lon: CENTRE.lon + (rnd() * 2 - 1) * 10 }));
  const request = (p: { lat: number; lon: number }): CandidateRequest => ({
    ...p, capabilities: ['engine'], partsCategories: ['lubricants'], at: new Date(), excludeStationIds: new Set(), maxDistanceKm: 500,
  });
  // Steady state, as in a dispatcher that has been running: two passes let V8 finish optimising first.
  for (let pass = 0; pass < 2; pass++) for (const p of points) searchCandidates(index, request(p), 5, model);
  const ours: number[] = [];
  for (let pass = 0; pass < 4; pass++) {
    for (const p of points) {
      const req = request(p);
      const t = performance.now();
      searchCandidates(index, req, 5, model);
      ours.push((performance.now() - t) * 1000);
    }
  }
  const geoPoints = stations.map((s) => ({ latitude: s.lat, longitude: s.lon, id: s.id }));
  // geolib sorts with a distance computation inside the comparator: about a second per query here, so a
  // dozen queries give its (very stable) cost.
  geolib.orderByDistance({ latitude: CENTRE.lat, longitude: CENTRE.lon }, geoPoints);
  const theirs: number[] = [];
  for (const p of points.slice(0, 12)) {
    const t = performance.now();
    geolib.orderByDistance({ latitude: p.lat, longitude: p.lon }, geoPoints);
    theirs.push((performance.now() - t) * 1000);
  }
  return { ours: summary(ours), geolib: summary(theirs) };
}

/** `coldIndex`: the station index is made stale right after the start, so the first breakdowns wait for its
 * rebuild — as every start did before the dispatcher built it up front (and as a station import still does). */
async function benchDecisions(seconds: number, rate: number, coldIndex: boolean, mode: BenchMode) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-dispatch-'));
  const redisServer = await startBenchRedis(mode, dir);
  const config = readDispatcherConfig({
    REDIS_MODE: mode, REDIS_URL: redisServer.target.redisUrl, REDIS_PREFIX: 'bench', LOG_LEVEL: 'error', STATION_OFFER_TIMEOUT_S: '3600',
  });
  // `{bench}` on a cluster: the control plane's hash tag.
  const prefix = config.common.redisPrefix;
  const redis = createRedis(config.common, 'fail-fast');
  const total = Math.round(seconds * rate);
  try {
    const registry = createRegistryStore({ redis, prefix });
    await registry.putMany('station', makeStations({ count: 10_000, centre: CENTRE, spreadDeg: 10, seed: 2026, restrictedHours: 0.2, inactive: 0.05 }));
    await registry.putMany('customer', [makeCustomer('bench')]);
    const vehicles = makeVehicles('bench', total, 100_000);
    for (let i = 0; i < vehicles.length; i += 5000) await registry.putMany('vehicle', vehicles.slice(i, i + 5000));
    const processing: number[] = [];
    const decisions: Array<{ ms: number; phases: DecisionPhases }> = [];
    const dispatcher = await startDispatcher(config, pino({ level: 'error' }), {
      onDecision: (ms, _outcome, phases) => {
        processing.push(ms);
        decisions.push({ ms, phases });
      },
    });
    // Where the tail's time goes besides the decision's own awaits: GC pauses and event-loop blocking in this
    // process (the dispatcher runs in it), and the Lua/commands' time inside Redis (INFO commandstats).
    const gcPauses: Array<{ start: number; ms: number; kind: number }> = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, ms: e.duration, kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0 });
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const statsBefore = await commandStats(redis);
    const controlPlane = await masterOf(redis, redisKeys(prefix).caseIndex);
    const usageBefore = await masterUsage(redis);
    if (coldIndex) await redis.incr(redisKeys(prefix).registryVersion('station'));
    const queueConnection = createRedis(config.common, 'fail-fast');
    const queue = new Queue<FaultEvent>(QUEUES.faultEvents, { connection: queueConnection, prefix: redisKeys(prefix).bullPrefix });
    const rnd = seededRandom(3);
    const sentAt = new Map<string, number>();
    const started = performance.now();
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const v = vehicles[i]!;
      const event = redStopEvent(v.vin, 'bench', { lat: CENTRE.lat + (rnd() * 2 - 1) * 9, lon: CENTRE.lon + (rnd() * 2 - 1) * 9 });
      sentAt.set(v.vin, Date.now());
      void queue.add('fault', event, { ...JOB_OPTIONS[QUEUES.faultEvents], jobId: event.id });
    }
    const store = createCaseStore({ redis, prefix, clocks: { launchWindowS: 900, escalateBeforeS: 300, repairWindowS: 86_400 } });
    const keys = redisKeys(prefix);
    const deadline = Date.now() + 60_000;
    while ((await redis.zcard(keys.caseIndex)) < total || processing.length < total) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const runSeconds = (performance.now() - started) / 1000;
    const usage = usageBetween(usageBefore, await masterUsage(redis), runSeconds);
    loopDelay.disable();
    gcObserver.disconnect();
    const statsAfter = await commandStats(redis);
    const cases = await store.getMany(await redis.zrange(keys.caseIndex, 0, -1));
    // Queue wait: queue add (job.timestamp) → a worker took it (job.processedOn), from the completed jobs.
    const jobs = await queue.getJobs(['completed'], 0, -1);
    const waitByVin = new Map(jobs.map((j) => [j.data.vin, (j.processedOn ?? j.timestamp) - j.timestamp]));
    const perCase = cases.flatMap((c) => (c.offers[0] ? [{ vin: c.vin, sent: sentAt.get(c.vin)!, e2e: Date.parse(c.offers[0].offeredAt) - sentAt.get(c.vin)!, wait: waitByVin.get(c.vin) ?? NaN }] : []));
    const endToEnd = perCase.map((x) => x.e2e);
    // The first second after the start against the rest: what a cold process adds to the tail.
    const firstSent = Math.min(...perCase.map((x) => x.sent));
    const coldSplit = {
      first: summary(perCase.filter((x) => x.sent < firstSent + 1000).map((x) => x.e2e)),
      rest: summary(perCase.filter((x) => x.sent >= firstSent + 1000).map((x) => x.e2e)),
    };
    const escalated = cases.filter((c) => c.offers.length === 0).length;
    await queue.close();
    queueConnection.disconnect();
    await dispatcher.stop();
    const redisTime = Object.entries(statsAfter).map(([cmd, after]) => {
      const before = statsBefore[cmd] ?? { calls: 0, usec: 0 };
      return { cmd, calls: after.calls - before.calls, usec: after.usec - before.usec };
    }).filter((x) => x.calls > 0).sort((a, b) => b.usec - a.usec);
    return {
      total, cases: cases.length, escalated, endToEnd: summary(endToEnd), processing: summary(processing), coldSplit,
      queueWait: summary(perCase.map((x) => x.wait).filter(Number.isFinite)), tail: tailBreakdown(perCase, decisions),
      gc: gcSummary(gcPauses), loop: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      redisTime, usage, controlPlane, runSeconds,
    };
  } finally {
    redis.disconnect();
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function gcSummary(pauses: Array<{ start: number; ms: number; kind: number }>) {
  const ms = pauses.map((p) => p.ms);
  // perf_hooks constants: 1 minor (scavenge), 2 major (mark-compact), 4 incremental marking, 8 weak callbacks.
  const byKind = [[1, 'minor'], [2, 'major'], [4, 'incremental'], [8, 'weak']].map(([k, name]) => {
    const of = pauses.filter((p) => p.kind === k);
    return `${name} ${of.length}×${of.length ? (of.reduce((a, p) => a + p.ms, 0) / of.length).toFixed(1) : '0'} ms`;
  }).join(', ');
  return { count: ms.length, total: ms.reduce((a, b) => a + b, 0), max: Math.max(0, ...ms), over10: ms.filter((x) => x > 10).length, byKind };
}

/** The slowest 1 % of decisions (end to end) against the median ones: queue wait vs the decision's phases. */
function tailBreakdown(perCase: Array<{ e2e: number; wait: number }>, decisions: Array<{ ms: number; phases: DecisionPhases }>) {
  const byE2e = [...perCase].sort((a, b) => a.e2e - b.e2e);
  const cut = byE2e[Math.floor(byE2e.length * 0.99)]?.e2e ?? Infinity;
  const tail = byE2e.filter((x) => x.e2e >= cut);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  // Decisions are not keyed by case here; their own tail (slowest 1 % by processing time) is split by phase.
  const slow = [...decisions].sort((a, b) => a.ms - b.ms);
  const slowTail = slow.slice(Math.floor(slow.length * 0.99));
  const mid = slow.slice(Math.floor(slow.length * 0.4), Math.floor(slow.length * 0.6));
  const phaseMeans = (xs: typeof decisions) => ({
    prepare: mean(xs.map((x) => x.phases.prepare)), open: mean(xs.map((x) => x.phases.open)),
    candidates: mean(xs.map((x) => x.phases.candidates)), offer: mean(xs.map((x) => x.phases.offer)), total: mean(xs.map((x) => x.ms)),
  });
  return {
    n: tail.length, e2e: mean(tail.map((x) => x.e2e)), wait: mean(tail.map((x) => x.wait)),
    processingTail: phaseMeans(slowTail), processingMedian: phaseMeans(mid),
  };
}

const seconds = arg('seconds', 20);
const rate = arg('rate', 100);
const search = benchSearch();
const ratio = search.geolib.p50 / search.ours.p50;
console.log('candidate search, 10,000 stations, top 5 by ETA (µs per query)');
console.log(`  ours   n=${search.ours.n}  p50 ${fmt(search.ours.p50)}  p90 ${fmt(search.ours.p90)}  p99 ${fmt(search.ours.p99)}  max ${fmt(search.ours.max)}`);
console.log(`  geolib.orderByDistance n=${search.geolib.n}  p50 ${fmt(search.geolib.p50)}  p99 ${fmt(search.geolib.p99)}`);
console.log(`  ratio (p50) ${fmt(ratio, 0)}×   [target ≥ 1000×, p99 ≤ 50 µs: ${ratio >= 1000 && search.ours.p99 <= 50 ? 'met' : 'NOT met'}]`);
const variants = process.argv.includes('--compare') ? [true, false] : [false];
const summaries: string[] = [];
for (const mode of modesArg()) for (const coldIndex of variants) {
  const d = await benchDecisions(seconds, rate, coldIndex, mode);
  if (variants.length > 1) console.log(coldIndex ? '[as before: station index built by the first breakdowns]' : '[now: station index built at start]');
  console.log(`breakdown → first offer decision, ${d.total} breakdowns at ${rate}/s, 10,000 stations (ms), Redis ${mode}`);
  console.log(`  end-to-end (queue add → offer committed) p50 ${fmt(d.endToEnd.p50)}  p90 ${fmt(d.endToEnd.p90)}  p99 ${fmt(d.endToEnd.p99)}  max ${fmt(d.endToEnd.max)}  (n=${d.endToEnd.n})`);
  console.log(`  processing only (job start → offer committed) p50 ${fmt(d.processing.p50)}  p99 ${fmt(d.processing.p99)}`);
  console.log(`  cases ${d.cases}/${d.total}, escalated without offer ${d.escalated}   [target p99 ≤ 50 ms: ${d.endToEnd.p99 <= 50 ? 'met' : 'NOT met'}]`);
  console.log(`  first second of breakdowns p50 ${fmt(d.coldSplit.first.p50)}  p99 ${fmt(d.coldSplit.first.p99)}  max ${fmt(d.coldSplit.first.max)} (n=${d.coldSplit.first.n}); the rest p50 ${fmt(d.coldSplit.rest.p50)}  p99 ${fmt(d.coldSplit.rest.p99)}`);
  console.log(`  queue wait (queue add → job taken, ms resolution) p50 ${fmt(d.queueWait.p50)}  p90 ${fmt(d.queueWait.p90)}  p99 ${fmt(d.queueWait.p99)}  max ${fmt(d.queueWait.max)}`);
  const t = d.tail;
  const phases = (p: typeof t.processingTail) => `prepare ${fmt(p.prepare)} + open ${fmt(p.open)} + candidates ${fmt(p.candidates)} + offer ${fmt(p.offer)} = ${fmt(p.total)}`;
  console.log(`  tail (slowest 1 % end to end, n=${t.n}): mean ${fmt(t.e2e)} ms, of which queue wait ${fmt(t.wait)} ms`);
  console.log(`  processing by phase (mean ms): slowest 1 %: ${phases(t.processingTail)}; median 20 %: ${phases(t.processingMedian)}`);
  console.log(`  this process: GC pauses ${d.gc.count} (total ${fmt(d.gc.total)} ms, max ${fmt(d.gc.max)} ms, ${d.gc.over10} over 10 ms; ${d.gc.byKind}); event-loop delay p50 ${fmt(d.loop.p50)} p99 ${fmt(d.loop.p99)} max ${fmt(d.loop.max)} ms`);
  const perDecision = (x: { usec: number }) => fmt(x.usec / d.total / 1000, 2);
  console.log(`  inside Redis per decision (ms): ${d.redisTime.slice(0, 6).map((x) => `${x.cmd} ${perDecision(x)} (${fmt(x.calls / d.total, 1)} calls, ${fmt(x.usec / x.calls / 1000, 2)} each)`).join(', ')}`);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`  load average ${load}`);
  const masters = d.usage.map((u) => `${u.port}${u.port === d.controlPlane ? ' (control plane)' : ''}: CPU ${fmt(100 * u.cpuShare, 1)} % of a core, ${fmt(u.callsPerS, 0)} commands/s`);
  console.log(`  Redis ${mode === 'cluster' ? 'masters' : 'server'} during the ${fmt(d.runSeconds, 1)} s run: ${masters.join('; ')}`);
  summaries.push(`| ${mode}${variants.length > 1 ? (coldIndex ? ' (cold index)' : '') : ''} | ${fmt(d.endToEnd.p50)} | ${fmt(d.endToEnd.p90)} | ${fmt(d.endToEnd.p99)} | ${fmt(d.endToEnd.max)} | ${d.cases}/${d.total} | ${fmt(100 * (d.usage.find((u) => u.port === d.controlPlane)?.cpuShare ?? NaN), 1)} % | ${load} |`);
}
if (summaries.length > 1) {
  console.log(`\nbreakdown → first offer decision at ${rate}/s, end to end (ms), side by side`);
  console.log('| Redis | p50 | p90 | p99 | max | cases | control-plane master CPU | load average |\n|---|---|---|---|---|---|---|---|');
  for (const line of summaries) console.log(line);
}
process.exit(0);
