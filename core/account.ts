// User accounts and API keys as the domain sees them: who a person is, which role they act in and the
// object their role is bound to. Pure rules; the stores live in infra/, the use cases in accounts/.
import { SCOPE_CLAIM, type Role } from './auth.ts';
import { ValidationError } from './errors.ts';

/** Usernames: letters, digits and . _ @ -, 3–64 characters, unique regardless of case. */
export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$';
const USERNAME = new RegExp(USERNAME_PATTERN);
/** Registry ids (customerId, stationId, advisorId), as core/auth.ts accepts them in tokens. */
export const BINDING_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

export type BindingField = 'customerId' | 'stationId' | 'advisorId';

/** The role's binding: the registry object a customer, station or advisor user acts for. */
export interface RoleBinding {
  readonly role: Role;
  readonly customerId?: string;
  readonly stationId?: string;
  readonly advisorId?: string;
}

/** A user account as the API shows it (no password material). */
export interface User extends RoleBinding {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly phone?: string;
  readonly email?: string;
  readonly active: boolean;
  /** Set by an admin's password reset: the user must choose a new password before doing anything else. */
  readonly mustChangePassword: boolean;
  /** `password` for accounts made by an admin; `oidc` for accounts made at their first single sign-on. */
  readonly source: 'password' | 'oidc';
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A user with the scrypt hash of their password (absent for single sign-on accounts). Never sent out. */
export interface StoredUser extends User {
  readonly passwordHash?: string;
}

export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

export function validUsername(username: string): boolean {
  return USERNAME.test(username);
}

/**
 * The binding a role needs, and only that one: a customer user names its customerId, a station user its
 * stationId, an advisor its advisorId; admin and agent users name none.
 */
export function checkRoleBinding(binding: RoleBinding): RoleBinding {
  const needed = SCOPE_CLAIM[binding.role];
  const fields: BindingField[] = ['customerId', 'stationId', 'advisorId'];
  for (const field of fields) {
    const value = binding[field];
    if (field === needed) {
      if (value === undefined) throw new ValidationError(`a ${binding.role} user needs ${field}`, [{ field: `body.${field}`, message: 'is required for this role' }]);
    } else if (value !== undefined) {
      throw new ValidationError(`a ${binding.role} user takes no ${field}`, [{ field: `body.${field}`, message: `is not used by the role ${binding.role}` }]);
    }
  }
  return needed ? { role: binding.role, [needed]: binding[needed] } : { role: binding.role };
}

/** An API key for an integration (a customer's TMS, a dealer system): always bound to one customer or station. */
export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly role: 'customer' | 'station';
  readonly customerId?: string;
  readonly stationId?: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly revokedAt?: string;
  readonly lastUsedAt?: string;
}

/** Prefix of every API key, so a bearer credential is recognisably a key rather than a JWT. */
export const API_KEY_PREFIX = 'frk_';
