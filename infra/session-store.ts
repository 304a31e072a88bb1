// Redis adapter of sign-in sessions: JSON by the SHA-256 of the session id with the idle timeout as TTL,
// and a set per user of their session hashes so that all of a user's sessions can end at once.
import type { Redis } from 'ioredis';
import type { AccountKeys } from '../core/account-keys.ts';

export interface SessionRecord {
  readonly userId: string;
  /** Epoch ms of sign-in (the absolute lifetime counts from here). */
  readonly createdAt: number;
  /** Synchronizer token: cookie-authenticated state-changing requests must echo it in X-CSRF-Token. */
  readonly csrfToken: string;
  /** How the user signed in. */
  readonly method: 'password' | 'oidc';
  readonly address: string;
}

export interface SessionStore {
  /** `lifetimeMs` bounds how long the user's set of sessions is kept (hashes of ended sessions expire with it). */
  put(idHash: string, record: SessionRecord, ttlMs: number, lifetimeMs: number): Promise<void>;
  get(idHash: string): Promise<SessionRecord | undefined>;
  /** Extends the TTL of a live session (sliding idle timeout). */
  touch(idHash: string, ttlMs: number): Promise<void>;
  remove(idHash: string, userId: string): Promise<void>;
  /** Ends every session of a user; answers how many there were. */
  removeAllOf(userId: string): Promise<number>;
}

export function createSessionStore(deps: { redis: Redis; keys: AccountKeys }): SessionStore {
  const { redis, keys } = deps;
  return {
    async put(idHash, record, ttlMs, lifetimeMs) {
      await redis.multi()
        .set(keys.session(idHash), JSON.stringify(record), 'PX', ttlMs)
        .sadd(keys.userSessions(record.userId), idHash)
        .pexpire(keys.userSessions(record.userId), lifetimeMs)
        .exec();
    },
    async get(idHash) {
      const json = await redis.get(keys.session(idHash));
      return json ? (JSON.parse(json) as SessionRecord) : undefined;
    },
    async touch(idHash, ttlMs) {
      await redis.pexpire(keys.session(idHash), ttlMs);
    },
    async remove(idHash, userId) {
      await redis.multi().del(keys.session(idHash)).srem(keys.userSessions(userId), idHash).exec();
    },
    async removeAllOf(userId) {
      const hashes = await redis.smembers(keys.userSessions(userId));
      const tx = redis.multi();
      for (const h of hashes) tx.del(keys.session(h));
      tx.del(keys.userSessions(userId));
      await tx.exec();
      return hashes.length;
    },
  };
}
