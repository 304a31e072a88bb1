// What the MQTT fleet (fleet-runtime.ts) and the JT/T 808 fleet (jt808-fleet.ts) share, whatever the wire: the
// counters a run reports, the connect ramp of the shared timer, one truck's turn (its due messages handed to the
// wire, its breakdowns, gaps and amber faults counted) and forced red-stop breakdowns.
import { RED_STOP_FAULTS } from './faults.ts';
import type { Random } from '../core/prng.ts';
import { advanceTruck, breakDown, nextDueAt, takeMessages, type TruckMessage, type TruckParams, type TruckState } from './truck.ts';

export interface FleetStats {
  trucks: number;
  connected: number;
  /** Trucks that have connected at least once. */
  started: number;
  /** Publishes of telemetry (a batch counts once) and how many the other side acknowledged. */
  published: number;
  acknowledged: number;
  failed: number;
  /** Position records (a batch counts each record) published / acknowledged. */
  positionRecordsPublished: number;
  positionRecordsAcknowledged: number;
  dm1Published: number;
  dm1Acknowledged: number;
  batches: number;
  redStops: number;
  ambers: number;
  gaps: number;
  connectionErrors: number;
  lastConnectionError: string | undefined;
}

export function newFleetStats(trucks: number): FleetStats {
  return {
    trucks, connected: 0, started: 0, published: 0, acknowledged: 0, failed: 0,
    positionRecordsPublished: 0, positionRecordsAcknowledged: 0, dm1Published: 0, dm1Acknowledged: 0, batches: 0,
    redStops: 0, ambers: 0, gaps: 0, connectionErrors: 0, lastConnectionError: undefined,
  };
}

/** New connections at `ratePerS` per wall second, at most one second's worth banked. */
export function createConnectRamp(ratePerS: number) {
  let budget = 0;
  let lastWall = Date.now();
  return {
    /** The shared timer starts: one connection may go at once. */
    start(): void {
      lastWall = Date.now();
      budget = Math.min(ratePerS, 1);
    },
    /** Adds the budget earned since the last turn. */
    refill(wall: number): void {
      budget = Math.min(ratePerS, budget + ((wall - lastWall) / 1000) * ratePerS);
      lastWall = wall;
    },
    /** Takes one connection from the budget when there is one. */
    take(): boolean {
      if (budget < 1) return false;
      budget--;
      return true;
    },
  };
}

/** A started truck's turn at simulated time `now`: its due messages go to `send`; the run's counters follow its own. */
export function stepTruck(truck: TruckState, now: number, params: TruckParams, stats: FleetStats, send: (message: TruckMessage) => void): void {
  if (nextDueAt(truck, params) > now) return;
  const before = { red: truck.stats.redStops, amber: truck.stats.ambers, gaps: truck.stats.gaps };
  for (const message of takeMessages(truck, now, params)) send(message);
  stats.redStops += truck.stats.redStops - before.red;
  stats.ambers += truck.stats.ambers - before.amber;
  stats.gaps += truck.stats.gaps - before.gaps;
}

/** The truck powers up at simulated time `now`: its simulation starts there and it reports at once. */
export function powerUp(truck: TruckState, now: number, params: TruckParams): void {
  advanceTruck(truck, now, params);
  truck.nextReportAt = now;
}

/** Red-stop breakdowns now on `count` of the given driving trucks (demo, storms); returns their VINs. */
export function forceRedStops(trucks: readonly TruckState[], count: number, now: number, params: TruckParams, rng: Random, stats: FleetStats): string[] {
  const chosen = rng.sample(trucks.filter((t) => t.phase === 'driving'), count);
  for (const truck of chosen) {
    advanceTruck(truck, now, params);
    breakDown(truck, params, rng.pick(RED_STOP_FAULTS));
    stats.redStops++;
  }
  return chosen.map((t) => t.vin);
}
