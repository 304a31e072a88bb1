// Redis adapter of API keys: JSON records by key id (the secret only as its SHA-256), and the last-used
// time in a separate hash so that using a key never rewrites its record.
import type { Redis } from 'ioredis';
import type { AccountKeys } from '../core/account-keys.ts';
import type { ApiKey } from '../core/account.ts';

export interface StoredApiKey extends ApiKey {
  /** SHA-256 (hex) of the key's secret part. */
  readonly secretHash: string;
}

export interface ApiKeyStore {
  get(id: string): Promise<StoredApiKey | undefined>;
  list(): Promise<StoredApiKey[]>;
  save(key: StoredApiKey): Promise<void>;
  markUsed(id: string, at: string): Promise<void>;
}

export function createApiKeyStore(deps: { redis: Redis; keys: AccountKeys }): ApiKeyStore {
  const { redis, keys } = deps;
  const withLastUsed = (key: StoredApiKey, lastUsedAt: string | null | undefined): StoredApiKey =>
    (lastUsedAt ? { ...key, lastUsedAt } : key);
  return {
    async get(id) {
      const [json, lastUsed] = await Promise.all([redis.hget(keys.apiKeys, id), redis.hget(keys.apiKeyLastUsed, id)]);
      return json ? withLastUsed(JSON.parse(json) as StoredApiKey, lastUsed) : undefined;
    },
    async list() {
      const [all, used] = await Promise.all([redis.hgetall(keys.apiKeys), redis.hgetall(keys.apiKeyLastUsed)]);
      return Object.entries(all).map(([id, json]) => withLastUsed(JSON.parse(json) as StoredApiKey, used[id]));
    },
    async save(key) {
      const { lastUsedAt: _derived, ...record } = key;
      await redis.hset(keys.apiKeys, key.id, JSON.stringify(record));
    },
    async markUsed(id, at) {
      await redis.hset(keys.apiKeyLastUsed, id, at);
    },
  };
}
