// API keys for integrations (a customer's TMS polling its cases, a dealer system): created by an admin for
// one customer or station, shown once, stored as the SHA-256 of their random secret (256 bits: a fast hash
// is enough, unlike a password), revocable, with the time of last use.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIX, checkRoleBinding, type ApiKey } from '../core/account.ts';
import type { Caller } from '../core/auth.ts';
import { DomainError, NotFoundError } from '../core/errors.ts';
import type { ApiKeyStore, StoredApiKey } from '../infra/api-key-store.ts';

export interface NewApiKey {
  readonly name: string;
  readonly role: 'customer' | 'station';
  readonly customerId?: string;
  readonly stationId?: string;
}

const KEY = new RegExp(`^${API_KEY_PREFIX}([0-9a-f]{16})_([A-Za-z0-9_-]{43})$`);

function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function publicKey(key: StoredApiKey): ApiKey {
  const { secretHash: _secret, ...rest } = key;
  return rest;
}

export function isApiKey(bearer: string): boolean {
  return bearer.startsWith(API_KEY_PREFIX);
}

export function createApiKeys(deps: { store: ApiKeyStore; now?: () => Date }) {
  const { store } = deps;
  const now = deps.now ?? (() => new Date());
  return {
    /** A new key; `secret` is the full bearer value, answered this once and never again. */
    async create(input: NewApiKey, createdBy: string): Promise<{ key: ApiKey; secret: string }> {
      const binding = checkRoleBinding(input);
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const key: StoredApiKey = { id, name: input.name, ...binding, role: input.role, createdAt: now().toISOString(), createdBy, secretHash: secretHash(secret) };
      await store.save(key);
      return { key: publicKey(key), secret: `${API_KEY_PREFIX}${id}_${secret}` };
    },

    async list(): Promise<ApiKey[]> {
      return (await store.list()).map(publicKey).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async revoke(id: string): Promise<ApiKey> {
      const key = await store.get(id);
      if (!key) throw new NotFoundError('api key', id);
      const revoked: StoredApiKey = key.revokedAt ? key : { ...key, revokedAt: now().toISOString() };
      await store.save(revoked);
      return publicKey(revoked);
    },

    /** The caller of a bearer API key, with its role and tenant; 401 for a malformed, unknown or revoked key. */
    async authenticate(bearer: string): Promise<Caller> {
      const match = KEY.exec(bearer);
      const key = match ? await store.get(match[1]!) : undefined;
      const presented = Buffer.from(secretHash(match?.[2] ?? ''), 'hex');
      const valid = key !== undefined && timingSafeEqual(presented, Buffer.from(key.secretHash, 'hex'));
      if (!valid || key.revokedAt) throw new DomainError('unauthenticated', 'invalid or revoked API key');
      await store.markUsed(key.id, now().toISOString());
      return {
        sub: `key:${key.id}`,
        role: key.role,
        ...(key.customerId ? { customerId: key.customerId } : {}),
        ...(key.stationId ? { stationId: key.stationId } : {}),
        name: key.name,
        via: 'api-key',
      };
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
