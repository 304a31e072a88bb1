// Redis adapter of user accounts: one hash of JSON records by id, and a hash of lower-cased usernames
// (and single sign-on identities) → id that keeps them unique.
import type { Redis } from 'ioredis';
import type { AccountKeys } from '../core/account-keys.ts';
import type { StoredUser } from '../core/account.ts';

export interface UserStore {
  get(id: string): Promise<StoredUser | undefined>;
  idOfUsername(normalizedUsername: string): Promise<string | undefined>;
  list(): Promise<StoredUser[]>;
  /** Adds a user unless the username is taken; false when it is. */
  create(user: StoredUser, normalizedUsername: string): Promise<boolean>;
  save(user: StoredUser): Promise<void>;
  idOfExternal(externalId: string): Promise<string | undefined>;
  /** Ties an identity-provider identity to a user unless it is already tied; false when it is. */
  bindExternal(externalId: string, userId: string): Promise<boolean>;
}

export function createUserStore(deps: { redis: Redis; keys: AccountKeys }): UserStore {
  const { redis, keys } = deps;
  const parse = (json: string | null | undefined) => (json ? (JSON.parse(json) as StoredUser) : undefined);
  return {
    async get(id) {
      return parse(await redis.hget(keys.users, id));
    },
    async idOfUsername(name) {
      return (await redis.hget(keys.usernames, name)) ?? undefined;
    },
    async list() {
      return Object.values(await redis.hgetall(keys.users)).map((json) => JSON.parse(json) as StoredUser);
    },
    async create(user, name) {
      if (!(await redis.hsetnx(keys.usernames, name, user.id))) return false;
      await redis.hset(keys.users, user.id, JSON.stringify(user));
      return true;
    },
    async save(user) {
      await redis.hset(keys.users, user.id, JSON.stringify(user));
    },
    async idOfExternal(externalId) {
      return (await redis.hget(keys.externalIds, externalId)) ?? undefined;
    },
    async bindExternal(externalId, userId) {
      return (await redis.hsetnx(keys.externalIds, externalId, userId)) === 1;
    },
  };
}
