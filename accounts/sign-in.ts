// Sign-in with username and password, limited per username and per client address across every API
// replica (infra/sign-in-limiter-store.ts). A wrong password and an unknown username get the same answer
// in about the same time, and a locked username answers the same whether or not it exists.
import { normalizeUsername, type StoredUser } from '../core/account.ts';
import { DomainError } from '../core/errors.ts';
import type { SignInLimitConfig } from '../infra/accounts-config.ts';
import type { SignInLimiterStore } from '../infra/sign-in-limiter-store.ts';
import type { UserStore } from '../infra/user-store.ts';
import { verifyPassword } from './passwords.ts';
import type { Sessions, StartedSession } from './sessions.ts';

/** A refused sign-in that can be tried again after `retryAfterS` (the API answers it as Retry-After). */
export class SignInLockedError extends DomainError {
  override readonly name = 'SignInLockedError';
  constructor(code: 'account_locked' | 'rate_limited', message: string, readonly retryAfterS: number) {
    super(code, message);
  }
}

export function lockedError(remainingMs: number): SignInLockedError {
  const retryAfterS = Math.max(1, Math.ceil(remainingMs / 1000));
  return new SignInLockedError('account_locked', `too many failed sign-ins: sign-in for this account is locked, try again in ${retryAfterS} s`, retryAfterS);
}

export function createSignIn(deps: {
  users: Pick<UserStore, 'get' | 'idOfUsername'>;
  limiter: SignInLimiterStore;
  sessions: Pick<Sessions, 'start'>;
  config: SignInLimitConfig;
}) {
  const { users, limiter, sessions, config } = deps;
  const limits = {
    windowMs: config.failureWindowS * 1000,
    maxPerUsername: config.maxFailuresPerUsername,
    maxPerAddress: config.maxFailuresPerAddress,
    lockoutMs: config.lockoutMs,
  };

  return {
    async signIn(input: { username: string; password: string; address: string }): Promise<{ user: StoredUser; session: StartedSession }> {
      const name = normalizeUsername(input.username);
      const locks = await limiter.locks(name, input.address);
      if (locks.usernameMs > 0) throw lockedError(locks.usernameMs);
      if (locks.addressMs > 0) {
        const retryAfterS = Math.max(1, Math.ceil(locks.addressMs / 1000));
        throw new SignInLockedError('rate_limited', `too many failed sign-ins from your address: try again in ${retryAfterS} s`, retryAfterS);
      }
      const id = await users.idOfUsername(name);
      const user = id ? await users.get(id) : undefined;
      const ok = await verifyPassword(input.password, user?.passwordHash);
      if (!ok || !user) {
        const counted = await limiter.recordFailure(name, input.address, limits);
        if (counted.usernameLocked) throw lockedError(limits.lockoutMs);
        throw new DomainError('invalid_credentials', 'wrong username or password');
      }
      if (!user.active) throw new DomainError('account_deactivated', 'this account is deactivated: ask an administrator');
      await limiter.clearUsername(name);
      return { user, session: await sessions.start(user.id, 'password', input.address) };
    },
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
