// Which vehicles this gateway reported `online` and has not yet reported `offline` (Redis hash vin → gateway id,
// core/terminal-keys.ts). A gateway killed with connected terminals cannot publish their `offline`; its MQTT last
// will covers only its own status topic. So the restarted gateway, before it listens, publishes `offline` for
// every vehicle still recorded under its id. A vehicle that meanwhile authenticated on another gateway is
// recorded under that gateway's id and is left alone.
import type { Redis } from 'ioredis';
import { terminalKeys } from '../core/terminal-keys.ts';

/** Deletes the entry only if it is still this gateway's (another gateway may have taken the vehicle over). */
const RELEASE = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

export interface ServedVehicles {
  /** `online` was published for the vehicle through this gateway. */
  online(vin: string): Promise<void>;
  /** `offline` was published: forget the vehicle unless another gateway has it now. */
  offline(vin: string): Promise<void>;
  /** Vehicles recorded under this gateway (left over from an earlier run of it that did not end cleanly). */
  leftOver(): Promise<string[]>;
}

export function createServedVehicles(deps: { redis: Pick<Redis, 'hset' | 'hscan' | 'eval'>; prefix: string; gatewayId: string }): ServedVehicles {
  const key = terminalKeys(deps.prefix).gatewayOfVehicle();
  return {
    async online(vin) {
      await deps.redis.hset(key, vin, deps.gatewayId);
    },
    async offline(vin) {
      await deps.redis.eval(RELEASE, 1, key, vin, deps.gatewayId);
    },
    async leftOver() {
      const vins: string[] = [];
      let cursor = '0';
      do {
        const [next, entries] = await deps.redis.hscan(key, cursor, 'COUNT', 1000);
        for (let i = 0; i + 1 < entries.length; i += 2) if (entries[i + 1] === deps.gatewayId) vins.push(entries[i]!);
        cursor = next;
      } while (cursor !== '0');
      return vins;
    },
  };
}
