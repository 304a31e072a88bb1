// The fleet as JT/T 808 terminals (`npm run simulate -- --protocol jt808`): the same truck state machine as
// the MQTT fleet, spoken over TCP to the gateway. Positions become 0x0200, the upload after a coverage gap
// a 0x0704 blind-area batch (sub-packaged when long), DM1 snapshots 0x0705 CAN data with the J1939 DM1 —
// one frame for a single code, TP.CM BAM + TP.DT for more. Terminals are bound to their vehicles through the
// binding use case (Redis), register, authenticate, and resend what the platform did not answer.
import type { Redis } from 'ioredis';
import { ConflictError } from '../core/errors.ts';
import { encodeDm1, j1939Frames, PGN_DM1 } from '../core/j1939-can.ts';
import { STATUS_BIT, type LocationInput, type TerminalEdition } from '../core/jt808-messages.ts';
import { createRegistryStore } from '../infra/registry-store.ts';
import { createTerminalStore } from '../infra/terminal-store.ts';
import { createTerminalBinding } from '../terminals/terminal-binding.ts';
import { createConnectRamp, forceRedStops, newFleetStats, powerUp, stepTruck, type FleetStats } from './fleet-pacing.ts';
import { createJt808Terminal, type Jt808Terminal } from './jt808-terminal.ts';
import type { Random } from '../core/prng.ts';
import type { SimClock } from './sim-clock.ts';
import { type Dm1Payload, type PositionPayload, type TruckParams, type TruckState } from './truck.ts';

export type EditionChoice = TerminalEdition | 'mixed';

const MIXED: readonly TerminalEdition[] = [2013, 2019, 2011];

export interface Jt808FleetOptions {
  readonly host: string;
  readonly port: number;
  readonly edition: EditionChoice;
  readonly trucks: readonly TruckState[];
  readonly params: TruckParams;
  readonly clock: SimClock;
  readonly connectRatePerS: number;
  readonly tickMs: number;
  readonly rng: Random;
  /** Redis of the deployment and its prefix: terminals are bound to their vehicles before they register. */
  readonly redis: Redis;
  readonly redisPrefix: string;
  /** Seconds after which an unanswered message is sent again. */
  readonly resendAfterS: number;
}

export interface Jt808FleetStats extends FleetStats {
  /** Messages sent again because the platform did not answer in time. */
  resent: number;
}

/** 11-digit terminal phone numbers, one per truck index (prefix 14x: a data-only SIM range). */
export function terminalPhone(index: number): string {
  return String(14_000_000_000 + index);
}

const TANK_L = 600;
const CONNECT_RETRY_MS = 5_000;

function locationOf(p: PositionPayload): LocationInput {
  return {
    lat: p.lat, lon: p.lon, ts: p.ts, speedKmh: p.speedKmh, heading: p.heading % 360, mileageKm: p.odometerKm,
    fuelL: Math.round(p.fuelPct * TANK_L) / 100, statusBits: (p.ignition ? 1 << STATUS_BIT.acc : 0) | (1 << STATUS_BIT.positioned),
  };
}

interface Device {
  readonly truck: TruckState;
  readonly edition: TerminalEdition;
  readonly phone: string;
  terminal: Jt808Terminal | undefined;
  started: boolean;
}

export function createJt808FleetRuntime(opts: Jt808FleetOptions) {
  const { params, clock } = opts;
  const devices: Device[] = opts.trucks.map((truck, i) => ({
    truck, terminal: undefined, started: false, phone: terminalPhone(i),
    edition: opts.edition === 'mixed' ? MIXED[i % MIXED.length]! : opts.edition,
  }));
  const stats: Jt808FleetStats = { ...newFleetStats(devices.length), resent: 0 };
  const ramp = createConnectRamp(opts.connectRatePerS);
  const binding = createTerminalBinding({
    store: createTerminalStore({ redis: opts.redis, prefix: opts.redisPrefix }),
    vehicles: createRegistryStore({ redis: opts.redis, prefix: opts.redisPrefix }),
  });
  let timer: NodeJS.Timeout | undefined;
  let nextToConnect = 0;
  let stopping = false;

  /** Devices whose first connection failed (gateway not listening yet, refused …): tried again after a pause. */
  const retryAt = new Map<Device, number>();

  /**
   * Binds the device's terminal to its truck. The simulator owns its terminal numbers: one fitted to another truck
   * by an earlier run (other seed or fleet size) is moved to this one, as a workshop refitting it would.
   */
  async function fit(device: Device): Promise<void> {
    const input = { id: device.phone, protocol: 'jt808' as const, vin: device.truck.vin };
    try {
      await binding.bind(input);
    } catch (err) {
      if (!(err instanceof ConflictError) || !err.details.some((d) => d.field === 'id')) throw err;
      await binding.unbind(device.phone);
      await binding.bind(input);
    }
  }

  async function connect(device: Device): Promise<void> {
    let terminal: Jt808Terminal | undefined;
    try {
      await fit(device);
      terminal = createJt808Terminal({
        host: opts.host, port: opts.port, phone: device.phone, edition: device.edition, plate: device.truck.vin, plateColor: 0,
        reconnect: true, resendAfterMs: opts.resendAfterS * 1000,
      });
      await terminal.connect();
      const registered = await terminal.register();
      if (registered.result !== 0) throw new Error(`registration refused with result ${registered.result}`);
      const authenticated = await terminal.authenticate();
      if (authenticated !== 0) throw new Error(`authentication refused with result ${authenticated}`);
      device.terminal = terminal;
      stats.connected++;
      device.started = true;
      stats.started++;
      powerUp(device.truck, clock.now(), params);
    } catch (err) {
      stats.connectionErrors++;
      stats.lastConnectionError = err instanceof Error ? err.message : String(err);
      void terminal?.close().catch(() => undefined);
      if (!stopping) retryAt.set(device, Date.now() + CONNECT_RETRY_MS);
    }
  }

  function track(sent: Promise<number>, onAck: () => void): void {
    stats.published++;
    void sent.then((result) => {
      if (result === 0) {
        stats.acknowledged++;
        onAck();
      } else stats.failed++;
    });
  }

  function send(device: Device, channel: 'position' | 'dm1', payload: PositionPayload | PositionPayload[] | Dm1Payload): void {
    const terminal = device.terminal!;
    if (channel === 'dm1') {
      const dm1 = payload as Dm1Payload;
      stats.dm1Published++;
      const frames = j1939Frames(0x00, PGN_DM1, encodeDm1({ lamps: dm1.lamps, dtcs: dm1.dtcs }));
      track(terminal.canData(dm1.ts, frames), () => stats.dm1Acknowledged++);
    } else if (Array.isArray(payload)) {
      stats.batches++;
      stats.positionRecordsPublished += payload.length;
      // Blind-area upload; a 0x0704 counts its items in a WORD, and long bodies go sub-packaged.
      for (let i = 0; i < payload.length; i += 500) {
        const chunk = payload.slice(i, i + 500);
        track(terminal.batch(1, chunk.map(locationOf)), () => (stats.positionRecordsAcknowledged += chunk.length));
      }
    } else {
      stats.positionRecordsPublished++;
      track(terminal.location(locationOf(payload as PositionPayload)), () => stats.positionRecordsAcknowledged++);
    }
  }

  function tick(): void {
    const wall = Date.now();
    ramp.refill(wall);
    while (!stopping && nextToConnect < devices.length && ramp.take()) void connect(devices[nextToConnect++]!);
    for (const [device, at] of retryAt) {
      if (stopping || at > wall) continue;
      if (!ramp.take()) break;
      retryAt.delete(device);
      void connect(device);
    }
    const now = clock.now();
    for (const device of devices) {
      if (!device.started || !device.terminal) continue;
      stepTruck(device.truck, now, params, stats, (message) => send(device, message.channel, message.payload));
    }
  }

  function forceBreakdowns(count: number): string[] {
    return forceRedStops(devices.filter((d) => d.started).map((d) => d.truck), count, clock.now(), params, opts.rng, stats);
  }

  return {
    stats: (): Readonly<Jt808FleetStats> => ({
      ...stats,
      connected: devices.filter((d) => d.terminal?.connected).length,
      resent: devices.reduce((sum, d) => sum + (d.terminal?.resent() ?? 0), 0),
    }),
    tick,
    forceBreakdowns,
    start(): void {
      ramp.start();
      timer = setInterval(tick, opts.tickMs);
    },
    /** Stops sending, waits up to `timeoutMs` for answers to what is outstanding, then closes every terminal. */
    async stop(timeoutMs = 15_000): Promise<Readonly<Jt808FleetStats>> {
      stopping = true;
      if (timer) clearInterval(timer);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && devices.some((d) => (d.terminal?.unanswered() ?? 0) > 0)) await new Promise((r) => setTimeout(r, 100));
      await Promise.all(devices.map((d) => d.terminal?.close()));
      return { ...stats, connected: 0, resent: devices.reduce((sum, d) => sum + (d.terminal?.resent() ?? 0), 0) };
    },
  };
}
