// Redis adapter of the sign-in limiter: failure counters per username and per client address in a fixed
// window, and lock keys that live for the lockout. One Lua script counts a failure and locks atomically,
// so every API replica shares the same count.
import type { Redis } from 'ioredis';
import type { AccountKeys } from '../core/account-keys.ts';

// KEYS: failures, lock. ARGV: windowMs, maxFailures, lockoutMs. Returns 1 when this failure locked.
const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

export interface SignInLimiterStore {
  /** Remaining lock of a username and of an address, in ms (0 = not locked). */
  locks(username: string, address: string): Promise<{ usernameMs: number; addressMs: number }>;
  /** Counts one failure for the username and the address; answers which of them it locked. */
  recordFailure(username: string, address: string, limits: { windowMs: number; maxPerUsername: number; maxPerAddress: number; lockoutMs: number }): Promise<{ usernameLocked: boolean; addressLocked: boolean }>;
  /** A successful sign-in forgets the username's failures. */
  clearUsername(username: string): Promise<void>;
}

export function createSignInLimiterStore(deps: { redis: Redis; keys: AccountKeys }): SignInLimiterStore {
  const { redis, keys } = deps;
  const count = (failures: string, lock: string, windowMs: number, max: number, lockoutMs: number) =>
    redis.eval(RECORD_FAILURE, 2, failures, lock, windowMs, max, lockoutMs) as Promise<number>;
  return {
    async locks(username, address) {
      const [u, a] = await Promise.all([redis.pttl(keys.lockOfUsername(username)), redis.pttl(keys.lockOfAddress(address))]);
      return { usernameMs: Math.max(0, u), addressMs: Math.max(0, a) };
    },
    async recordFailure(username, address, limits) {
      const [u, a] = await Promise.all([
        count(keys.failuresOfUsername(username), keys.lockOfUsername(username), limits.windowMs, limits.maxPerUsername, limits.lockoutMs),
        count(keys.failuresOfAddress(address), keys.lockOfAddress(address), limits.windowMs, limits.maxPerAddress, limits.lockoutMs),
      ]);
      return { usernameLocked: u === 1, addressLocked: a === 1 };
    },
    async clearUsername(username) {
      await redis.del(keys.failuresOfUsername(username));
    },
  };
}
