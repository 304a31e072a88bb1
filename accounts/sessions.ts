// Sign-in sessions: a random id in the browser's cookie, the record in Redis under the id's SHA-256 (so
// they hold across API replicas), ending after an idle timeout or an absolute lifetime, whichever first.
import { createHash, randomBytes } from 'node:crypto';
import type { SessionConfig } from '../infra/accounts-config.ts';
import type { SessionRecord, SessionStore } from '../infra/session-store.ts';

export interface StartedSession {
  /** The session id for the cookie; shown nowhere else, stored only as its hash. */
  readonly id: string;
  readonly csrfToken: string;
  /** Epoch ms when the session ends at the latest. */
  readonly expiresAt: number;
}

export interface LiveSession {
  readonly idHash: string;
  readonly record: SessionRecord;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export function createSessions(deps: { store: SessionStore; config: SessionConfig; now?: () => number }) {
  const { store, config } = deps;
  const now = deps.now ?? Date.now;
  const idleMs = config.idleTimeoutS * 1000;
  const lifetimeMs = config.absoluteLifetimeS * 1000;

  return {
    /** A new session with a new id: never one the browser proposed (no session fixation). */
    async start(userId: string, method: SessionRecord['method'], address: string): Promise<StartedSession> {
      const id = randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(24).toString('base64url');
      const createdAt = now();
      await store.put(hashSessionId(id), { userId, createdAt, csrfToken, method, address }, Math.min(idleMs, lifetimeMs), lifetimeMs);
      return { id, csrfToken, expiresAt: createdAt + lifetimeMs };
    },

    /** The live session of a cookie value, its idle timeout restarted; undefined when unknown, malformed or over. */
    async resolve(id: string): Promise<LiveSession | undefined> {
      if (!SESSION_ID.test(id)) return undefined;
      const idHash = hashSessionId(id);
      const record = await store.get(idHash);
      if (!record) return undefined;
      const remaining = record.createdAt + lifetimeMs - now();
      if (remaining <= 0) {
        await store.remove(idHash, record.userId);
        return undefined;
      }
      await store.touch(idHash, Math.min(idleMs, remaining));
      return { idHash, record };
    },

    async end(idHash: string, userId: string): Promise<void> {
      await store.remove(idHash, userId);
    },

    endAllOf(userId: string): Promise<number> {
      return store.removeAllOf(userId);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
