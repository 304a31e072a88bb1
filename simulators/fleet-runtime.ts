// The fleet on the wire: every simulated truck is its own MQTT client (username and client id = VIN,
// password derived from DEVICE_KEY, persistent session, last will `offline` retained on its status
// topic, QoS 1). One shared timer drives all trucks (no per-truck timers), connections are ramped up,
// and coverage gaps really drop the connection (the broker publishes the will) until coverage returns.
import mqtt, { type MqttClient } from 'mqtt';
import { devicePassword } from '../core/device-credentials.ts';
import { deviceTopic } from '../core/topics.ts';
import { createConnectRamp, forceRedStops, newFleetStats, powerUp, stepTruck, type FleetStats } from './fleet-pacing.ts';
import type { Random } from '../core/prng.ts';
import type { SimClock } from './sim-clock.ts';
import { inCoverageGap, type TruckParams, type TruckState } from './truck.ts';

export interface FleetRuntimeOptions {
  readonly mqttUrl: string;
  readonly topicRoot: string;
  readonly deviceKey: string;
  readonly trucks: readonly TruckState[];
  readonly params: TruckParams;
  readonly clock: SimClock;
  /** New connections per wall second (connect ramp). */
  readonly connectRatePerS: number;
  /** Period of the shared timer, wall ms. */
  readonly tickMs: number;
  /** MQTT keepalive, seconds. */
  readonly keepaliveS: number;
  /** Drop the MQTT connection during coverage gaps (the will fires) instead of only buffering. */
  readonly dropConnectionInGaps: boolean;
  /** Picks trucks for forced breakdowns. */
  readonly rng: Random;
}

export type { FleetStats } from './fleet-pacing.ts';

interface Device {
  readonly truck: TruckState;
  client: MqttClient | undefined;
  connected: boolean;
  started: boolean;
  /** Connection dropped because of a coverage gap; reconnect when it ends. */
  droppedForGap: boolean;
  reconnectPeriodMs: number;
}

export function createFleetRuntime(opts: FleetRuntimeOptions) {
  const { params, clock } = opts;
  const devices: Device[] = opts.trucks.map((truck) => ({
    truck, client: undefined, connected: false, started: false, droppedForGap: false,
    reconnectPeriodMs: 2000 + opts.rng.int(0, 3000),
  }));
  const stats = newFleetStats(devices.length);
  const ramp = createConnectRamp(opts.connectRatePerS);
  let timer: NodeJS.Timeout | undefined;
  let nextToConnect = 0;
  let stopping = false;

  function connect(device: Device): void {
    const vin = device.truck.vin;
    const client = mqtt.connect(opts.mqttUrl, {
      clientId: vin,
      username: vin,
      password: devicePassword(opts.deviceKey, vin),
      clean: false,
      protocolVersion: 4,
      keepalive: opts.keepaliveS,
      reconnectPeriod: device.reconnectPeriodMs,
      connectTimeout: 30_000,
      resubscribe: false,
      will: { topic: deviceTopic(opts.topicRoot, vin, 'status'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    device.client = client;
    client.on('connect', () => {
      device.connected = true;
      stats.connected++;
      client.publish(deviceTopic(opts.topicRoot, vin, 'status'), 'online', { qos: 1, retain: true });
      if (!device.started) {
        // The device powers up now: its simulation starts at the current simulated time.
        device.started = true;
        stats.started++;
        powerUp(device.truck, clock.now(), params);
      }
    });
    client.on('close', () => {
      if (device.connected) stats.connected--;
      device.connected = false;
    });
    client.on('error', (err) => {
      stats.connectionErrors++;
      stats.lastConnectionError = err.message;
    });
  }

  function publish(device: Device, channel: 'position' | 'dm1', payload: unknown, records: number): void {
    const client = device.client!;
    stats.published++;
    if (channel === 'dm1') stats.dm1Published++;
    else stats.positionRecordsPublished += records;
    if (records > 1) stats.batches++;
    client.publish(deviceTopic(opts.topicRoot, device.truck.vin, channel), JSON.stringify(payload), { qos: 1 }, (err) => {
      if (err) {
        stats.failed++;
        return;
      }
      stats.acknowledged++;
      if (channel === 'dm1') stats.dm1Acknowledged++;
      else stats.positionRecordsAcknowledged += records;
    });
  }

  /** One turn of the shared timer; exposed so that tests can drive it with a manual clock. */
  function tick(): void {
    ramp.refill(Date.now());
    while (!stopping && nextToConnect < devices.length && ramp.take()) connect(devices[nextToConnect++]!);
    const now = clock.now();
    for (const device of devices) {
      if (!device.started || !device.client) continue;
      const truck = device.truck;
      stepTruck(truck, now, params, stats, (message) =>
        publish(device, message.channel, message.payload, Array.isArray(message.payload) ? message.payload.length : 1));
      const gap = inCoverageGap(truck);
      if (opts.dropConnectionInGaps && gap && device.connected && !device.droppedForGap) {
        // Lose the network: no DISCONNECT, so the broker publishes the will; no automatic reconnect
        // until coverage returns.
        device.droppedForGap = true;
        device.client.options.reconnectPeriod = 0;
        device.client.stream.destroy();
      } else if (device.droppedForGap && !gap) {
        // Coverage is back. Reconnect with the client's own stores, so that messages not yet
        // acknowledged (and those published while offline) are sent in the resumed session.
        device.droppedForGap = false;
        const client = device.client;
        client.options.reconnectPeriod = device.reconnectPeriodMs;
        client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
      }
    }
  }

  /** Red-stop breakdowns now on `count` driving trucks (demo, storms); returns their VINs. */
  function forceBreakdowns(count: number, filter: (truck: TruckState) => boolean = () => true): string[] {
    const started = devices.filter((d) => d.started && filter(d.truck)).map((d) => d.truck);
    return forceRedStops(started, count, clock.now(), params, opts.rng, stats);
  }

  return {
    stats: (): Readonly<FleetStats> => ({ ...stats }),
    tick,
    forceBreakdowns,
    start(): void {
      ramp.start();
      timer = setInterval(tick, opts.tickMs);
    },
    /** Clean stop: each connected truck says `offline` (retained) and disconnects; waits for acknowledgements. */
    async stop(timeoutMs = 15_000): Promise<Readonly<FleetStats>> {
      stopping = true;
      if (timer) clearInterval(timer);
      const ends = devices.map(async (device) => {
        const client = device.client;
        if (!client) return;
        if (device.connected) {
          await client.publishAsync(deviceTopic(opts.topicRoot, device.truck.vin, 'status'), 'offline', { qos: 1, retain: true }).catch(() => undefined);
          await client.endAsync().catch(() => undefined);
        } else {
          await client.endAsync(true).catch(() => undefined);
        }
      });
      await Promise.race([Promise.all(ends), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
      return { ...stats };
    },
  };
}

export type FleetRuntime = ReturnType<typeof createFleetRuntime>;
