// User accounts, managed by admins: create, list, change, deactivate (which ends the user's sessions at
// once), reset a password (the user must change it at next sign-in); and a user changing their own.
import { randomBytes } from 'node:crypto';
import type { Role } from '../core/auth.ts';
import { checkRoleBinding, normalizeUsername, validUsername, type StoredUser, type User } from '../core/account.ts';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { UserStore } from '../infra/user-store.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.ts';

export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly displayName: string;
  readonly role: Role;
  readonly customerId?: string;
  readonly stationId?: string;
  readonly advisorId?: string;
  readonly phone?: string;
  readonly email?: string;
}

export interface UserChange {
  readonly displayName?: string;
  readonly phone?: string;
  readonly email?: string;
  readonly role?: Role;
  readonly customerId?: string;
  readonly stationId?: string;
  readonly advisorId?: string;
  readonly active?: boolean;
}

/** What a user looks like outside the API's stores: everything but the password hash. */
export function publicUser(user: StoredUser): User {
  const { passwordHash: _secret, ...rest } = user;
  return rest;
}

export function newUserId(): string {
  return `usr_${randomBytes(8).toString('hex')}`;
}

export function createUserAccounts(deps: {
  users: UserStore;
  /** Ends every session of a user (accounts/sessions.ts). */
  endSessionsOf: (userId: string) => Promise<number>;
  now?: () => Date;
}) {
  const { users, endSessionsOf } = deps;
  const now = deps.now ?? (() => new Date());

  async function stored(id: string): Promise<StoredUser> {
    const user = await users.get(id);
    if (!user) throw new NotFoundError('user', id);
    return user;
  }

  return {
    async create(input: NewUser): Promise<User> {
      if (!validUsername(input.username)) {
        throw new ValidationError('username must be 3–64 letters, digits or . _ @ -', [{ field: 'body.username', message: 'is not a valid username' }]);
      }
      checkPasswordPolicy(input.password, input.username);
      const binding = checkRoleBinding(input);
      const at = now().toISOString();
      const user: StoredUser = {
        id: newUserId(),
        username: input.username,
        displayName: input.displayName,
        ...binding,
        ...(input.phone !== undefined ? { phone: input.phone } : {}),
        ...(input.email !== undefined ? { email: input.email } : {}),
        active: true,
        mustChangePassword: false,
        source: 'password',
        createdAt: at,
        updatedAt: at,
        passwordHash: await hashPassword(input.password),
      };
      if (!(await users.create(user, normalizeUsername(input.username)))) {
        throw new ConflictError(`the username ${input.username} is taken`, [{ field: 'body.username', message: 'is taken' }]);
      }
      return publicUser(user);
    },

    async list(): Promise<User[]> {
      return (await users.list()).map(publicUser).sort((a, b) => a.username.localeCompare(b.username));
    },

    async get(id: string): Promise<User> {
      return publicUser(await stored(id));
    },

    /** Changes a user; deactivating ends every session of the user before this answers. */
    async update(id: string, change: UserChange): Promise<User> {
      const user = await stored(id);
      const roleChanges = change.role !== undefined || change.customerId !== undefined || change.stationId !== undefined || change.advisorId !== undefined;
      const binding = roleChanges
        ? checkRoleBinding({
            role: change.role ?? user.role,
            ...(change.customerId !== undefined ? { customerId: change.customerId } : change.role === undefined && user.customerId ? { customerId: user.customerId } : {}),
            ...(change.stationId !== undefined ? { stationId: change.stationId } : change.role === undefined && user.stationId ? { stationId: user.stationId } : {}),
            ...(change.advisorId !== undefined ? { advisorId: change.advisorId } : change.role === undefined && user.advisorId ? { advisorId: user.advisorId } : {}),
          })
        : undefined;
      const { customerId: _c, stationId: _s, advisorId: _a, ...unbound } = user;
      const next: StoredUser = {
        ...(binding ? { ...unbound, ...binding } : user),
        ...(change.displayName !== undefined ? { displayName: change.displayName } : {}),
        ...(change.phone !== undefined ? { phone: change.phone } : {}),
        ...(change.email !== undefined ? { email: change.email } : {}),
        ...(change.active !== undefined ? { active: change.active } : {}),
        updatedAt: now().toISOString(),
      };
      await users.save(next);
      if (change.active === false || binding) await endSessionsOf(id);
      return publicUser(next);
    },

    /** An admin sets a new password; the user's sessions end and they must choose their own at next sign-in. */
    async resetPassword(id: string, password: string): Promise<User> {
      const user = await stored(id);
      if (user.source !== 'password') throw new DomainError('conflict', 'this user signs in through single sign-on and has no password here');
      checkPasswordPolicy(password, user.username);
      const next: StoredUser = { ...user, passwordHash: await hashPassword(password), mustChangePassword: true, updatedAt: now().toISOString() };
      await users.save(next);
      await endSessionsOf(id);
      return publicUser(next);
    },

    /** The user changes their own password, proving the current one. */
    async changeOwnPassword(id: string, currentPassword: string, newPassword: string): Promise<User> {
      const user = await stored(id);
      if (user.source !== 'password') throw new DomainError('conflict', 'you sign in through single sign-on: change your password there');
      if (!(await verifyPassword(currentPassword, user.passwordHash))) {
        throw new DomainError('invalid_credentials', 'the current password is wrong', [{ field: 'body.currentPassword', message: 'is wrong' }]);
      }
      checkPasswordPolicy(newPassword, user.username, 'body.newPassword');
      if (await verifyPassword(newPassword, user.passwordHash)) {
        throw new ValidationError('the new password must differ from the current one', [{ field: 'body.newPassword', message: 'equals the current password' }]);
      }
      const next: StoredUser = { ...user, passwordHash: await hashPassword(newPassword), mustChangePassword: false, updatedAt: now().toISOString() };
      await users.save(next);
      return publicUser(next);
    },
  };
}

export type UserAccounts = ReturnType<typeof createUserAccounts>;
