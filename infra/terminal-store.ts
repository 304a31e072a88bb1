// Terminal bindings in Redis: one hash per terminal and a vehicle → terminal pointer, changed together in Lua
// so a process killed midway never leaves a vehicle pointing at a terminal bound elsewhere.
import type { Redis } from 'ioredis';
import { terminalKeys } from '../core/terminal-keys.ts';

export interface TerminalRecord {
  id: string;
  protocol: 'jt808';
  vin: string;
  /** ISO-8601 time of binding. */
  boundAt: string;
  /** SHA-256 (hex) of the auth code issued at the last registration; absent before registration / after logout. */
  authCodeHash?: string;
  registeredAt?: string;
}

/**
 * KEYS = terminal(id), terminalOfVehicle(vin); ARGV = id, vin, protocol, boundAt, terminal key prefix.
 * Returns 'bound_elsewhere' (the terminal belongs to another vehicle), 'unchanged' or 'bound'. A vehicle that
 * changes terminals loses its old one (whose binding and auth code are removed).
 */
const BIND = `
local current = redis.call('HGET', KEYS[1], 'vin')
if current and current ~= ARGV[2] then return 'bound_elsewhere' end
if current == ARGV[2] then return 'unchanged' end
local previous = redis.call('GET', KEYS[2])
if previous and previous ~= ARGV[1] then redis.call('DEL', ARGV[5] .. previous) end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'protocol', ARGV[3], 'vin', ARGV[2], 'boundAt', ARGV[4])
redis.call('SET', KEYS[2], ARGV[1])
return 'bound'
`;

/** KEYS = terminal(id); ARGV = id, vehicle pointer prefix. Returns 1 when it was bound. */
const UNBIND = `
local vin = redis.call('HGET', KEYS[1], 'vin')
if not vin then return 0 end
redis.call('DEL', KEYS[1])
local pointer = ARGV[2] .. vin
if redis.call('GET', pointer) == ARGV[1] then redis.call('DEL', pointer) end
return 1
`;

/** KEYS = terminal(id); ARGV = vin, hash, registeredAt. Sets the auth code only while bound to that vehicle. */
const SET_AUTH = `
if redis.call('HGET', KEYS[1], 'vin') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'authCodeHash', ARGV[2], 'registeredAt', ARGV[3])
return 1
`;

export function createTerminalStore(deps: { redis: Pick<Redis, 'eval' | 'hgetall' | 'hdel'>; prefix: string }) {
  const keys = terminalKeys(deps.prefix);
  const terminalPrefix = keys.terminal('');
  const vehiclePrefix = keys.terminalOfVehicle('');

  async function get(id: string): Promise<TerminalRecord | undefined> {
    const hash = await deps.redis.hgetall(keys.terminal(id));
    if (!hash.vin || !hash.id) return undefined;
    return {
      id: hash.id,
      protocol: 'jt808',
      vin: hash.vin,
      boundAt: hash.boundAt ?? '',
      ...(hash.authCodeHash ? { authCodeHash: hash.authCodeHash } : {}),
      ...(hash.registeredAt ? { registeredAt: hash.registeredAt } : {}),
    };
  }

  async function bind(record: Pick<TerminalRecord, 'id' | 'protocol' | 'vin' | 'boundAt'>): Promise<'bound' | 'unchanged' | 'bound_elsewhere'> {
    return (await deps.redis.eval(
      BIND, 2, keys.terminal(record.id), keys.terminalOfVehicle(record.vin), record.id, record.vin, record.protocol, record.boundAt, terminalPrefix,
    )) as 'bound' | 'unchanged' | 'bound_elsewhere';
  }

  async function unbind(id: string): Promise<boolean> {
    return (await deps.redis.eval(UNBIND, 1, keys.terminal(id), id, vehiclePrefix)) === 1;
  }

  async function setAuthCodeHash(id: string, vin: string, hash: string, registeredAt: string): Promise<boolean> {
    return (await deps.redis.eval(SET_AUTH, 1, keys.terminal(id), vin, hash, registeredAt)) === 1;
  }

  async function clearAuthCode(id: string): Promise<void> {
    await deps.redis.hdel(keys.terminal(id), 'authCodeHash', 'registeredAt');
  }

  return { get, bind, unbind, setAuthCodeHash, clearAuthCode };
}

export type TerminalStore = ReturnType<typeof createTerminalStore>;
