// Terminal binding: which JT/T 808 terminal is fitted to which registered vehicle, and the terminal's own
// registration (0x0100 → auth code) and authentication (0x0102). Used by the API (bind/unbind/show) and by
// the gateway (register/authenticate/logout). No HTTP, no env: the caller passes the store and the registry.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.ts';
import { REGISTER_RESULT } from '../core/jt808-messages.ts';
import { terminalIdOf } from '../core/jt808-frame.ts';
import type { Vehicle } from '../core/registry.ts';
import { isValidVin } from '../core/vin.ts';
import type { TerminalRecord, TerminalStore } from '../infra/terminal-store.ts';

export const TERMINAL_ID_PATTERN = '^[0-9]{1,20}$';

export interface TerminalView {
  id: string;
  protocol: 'jt808';
  vin: string;
  boundAt: string;
  /** Whether the terminal holds an auth code (registered and not logged out). */
  registered: boolean;
  registeredAt?: string;
}

export type RegistrationOutcome =
  | { result: typeof REGISTER_RESULT.success; vin: string; authCode: string }
  | { result: Exclude<(typeof REGISTER_RESULT)[keyof typeof REGISTER_RESULT], 0>; detail: string };

export type AuthenticationOutcome = { ok: true; vin: string } | { ok: false; detail: string };

function hashAuthCode(code: string): string {
  return createHash('sha256').update(code, 'latin1').digest('hex');
}

function view(record: TerminalRecord): TerminalView {
  return {
    id: record.id, protocol: record.protocol, vin: record.vin, boundAt: record.boundAt, registered: record.authCodeHash !== undefined,
    ...(record.registeredAt ? { registeredAt: record.registeredAt } : {}),
  };
}

export function createTerminalBinding(deps: {
  store: TerminalStore;
  vehicles: { get(kind: 'vehicle', vin: string): Promise<Vehicle | undefined> };
  now?: () => number;
  newAuthCode?: () => string;
}) {
  const now = deps.now ?? Date.now;
  const newAuthCode = deps.newAuthCode ?? (() => randomBytes(12).toString('base64url'));

  function normalizedId(id: string): string {
    if (!new RegExp(TERMINAL_ID_PATTERN).test(id)) throw new ValidationError('terminal id must be 1–20 digits (the phone number of the JT/T 808 header)', [{ field: 'id', message: 'must be 1–20 digits' }]);
    return terminalIdOf(id);
  }

  async function bind(input: { id: string; protocol: 'jt808'; vin: string }): Promise<{ terminal: TerminalView; created: boolean }> {
    const id = normalizedId(input.id);
    if (!isValidVin(input.vin)) throw new ValidationError('vin is not a valid VIN (17 characters, check digit)', [{ field: 'vin', message: 'is not a valid VIN' }]);
    const vehicle = await deps.vehicles.get('vehicle', input.vin);
    if (!vehicle) throw new NotFoundError('vehicle', input.vin);
    if (!vehicle.active) throw new ConflictError(`vehicle ${input.vin} is deactivated; a terminal cannot be bound to it`, [{ field: 'vin', message: 'vehicle is deactivated' }]);
    const outcome = await deps.store.bind({ id, protocol: input.protocol, vin: input.vin, boundAt: new Date(now()).toISOString() });
    if (outcome === 'bound_elsewhere') {
      const current = await deps.store.get(id);
      throw new ConflictError(`terminal ${id} is bound to vehicle ${current?.vin ?? '(unknown)'}; unbind it first`, [{ field: 'id', message: 'terminal is bound to another vehicle' }]);
    }
    const terminal = await deps.store.get(id);
    if (!terminal) throw new ConflictError(`terminal ${id} was unbound concurrently`);
    return { terminal: view(terminal), created: outcome === 'bound' };
  }

  async function show(id: string): Promise<TerminalView> {
    const terminal = await deps.store.get(normalizedId(id));
    if (!terminal) throw new NotFoundError('terminal', id);
    return view(terminal);
  }

  async function unbind(id: string): Promise<void> {
    if (!(await deps.store.unbind(normalizedId(id)))) throw new NotFoundError('terminal', id);
  }

  /**
   * 0x0100: the terminal must be bound, its vehicle registered and active, and the vehicle the terminal
   * names (VIN when the plate colour is 0, otherwise the plate) must be the bound one. A new auth code is
   * issued on every successful registration (a terminal that lost its code registers again).
   */
  async function register(terminalId: string, request: { plateColor: number; plate: string }): Promise<RegistrationOutcome> {
    const terminal = await deps.store.get(terminalIdOf(terminalId));
    if (!terminal) return { result: REGISTER_RESULT.noSuchTerminal, detail: 'terminal is not bound to a vehicle' };
    const vehicle = await deps.vehicles.get('vehicle', terminal.vin);
    if (!vehicle || !vehicle.active) return { result: REGISTER_RESULT.noSuchVehicle, detail: `bound vehicle ${terminal.vin} is not registered or deactivated` };
    const named = request.plate.trim().toUpperCase();
    const matches = request.plateColor === 0 ? named === vehicle.vin : vehicle.plate !== undefined && named === vehicle.plate.trim().toUpperCase();
    if (!matches) {
      return { result: REGISTER_RESULT.terminalAlreadyRegistered, detail: `terminal is bound to ${vehicle.vin}, not to the vehicle it names (${named.slice(0, 20)})` };
    }
    const authCode = newAuthCode();
    const stored = await deps.store.setAuthCodeHash(terminal.id, vehicle.vin, hashAuthCode(authCode), new Date(now()).toISOString());
    if (!stored) return { result: REGISTER_RESULT.noSuchTerminal, detail: 'terminal was unbound during registration' };
    return { result: REGISTER_RESULT.success, vin: vehicle.vin, authCode };
  }

  /** 0x0102: the auth code of the last registration, for a terminal still bound to an active vehicle. */
  async function authenticate(terminalId: string, authCode: string): Promise<AuthenticationOutcome> {
    const terminal = await deps.store.get(terminalIdOf(terminalId));
    if (!terminal?.authCodeHash) return { ok: false, detail: 'terminal is not registered' };
    const expected = Buffer.from(terminal.authCodeHash, 'hex');
    const given = Buffer.from(hashAuthCode(authCode), 'hex');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, detail: 'wrong auth code' };
    const vehicle = await deps.vehicles.get('vehicle', terminal.vin);
    if (!vehicle || !vehicle.active) return { ok: false, detail: `vehicle ${terminal.vin} is not registered or deactivated` };
    return { ok: true, vin: terminal.vin };
  }

  /** 0x0003: the terminal gives up its auth code and must register again. */
  async function logout(terminalId: string): Promise<void> {
    await deps.store.clearAuthCode(terminalIdOf(terminalId));
  }

  return { bind, show, unbind, register, authenticate, logout };
}

export type TerminalBinding = ReturnType<typeof createTerminalBinding>;
