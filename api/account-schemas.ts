// Request and response schemas of users, sign-in, API keys and the audit trail. The response schemas list
// every field that may leave the API, so a password hash or key secret hash is never serialized.
import { Type } from '@sinclair/typebox';
import { ROLES } from '../core/auth.ts';
import { BINDING_ID_PATTERN, USERNAME_PATTERN } from '../core/account.ts';
import { PASSWORD_MAX_LENGTH } from '../accounts/passwords.ts';

const Literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Iso = Type.String({ format: 'date-time' });
const BindingId = Type.String({ pattern: BINDING_ID_PATTERN });
const RoleSchema = Literals(ROLES);
const DisplayName = Type.String({ minLength: 1, maxLength: 120 });
const Phone = Type.String({ pattern: '^[0-9+() -]{3,40}$' });
const Email = Type.String({ pattern: '^[^\\s@]{1,64}@[^\\s@]{1,189}$', maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH });

export const UserId = Type.String({ pattern: '^usr_[0-9a-f]{16}$', description: 'User id' });

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    role: RoleSchema,
    customerId: Type.Optional(Type.String()),
    stationId: Type.Optional(Type.String()),
    advisorId: Type.Optional(Type.String()),
    phone: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    active: Type.Boolean(),
    mustChangePassword: Type.Boolean({ description: 'Set by an admin\'s password reset until the user chooses a new one' }),
    source: Literals(['password', 'oidc'] as const),
    createdAt: Iso,
    updatedAt: Iso,
  },
  { title: 'User' },
);

export const NewUserBody = Type.Object(
  {
    username: Type.String({ pattern: USERNAME_PATTERN, description: '3–64 letters, digits or . _ @ -; unique regardless of case' }),
    password: Type.String({ maxLength: PASSWORD_MAX_LENGTH, description: 'At least 10 characters, not containing the username' }),
    displayName: DisplayName,
    role: RoleSchema,
    customerId: Type.Optional(BindingId),
    stationId: Type.Optional(BindingId),
    advisorId: Type.Optional(BindingId),
    phone: Type.Optional(Phone),
    email: Type.Optional(Email),
  },
  { additionalProperties: false, description: 'The binding the role needs: customerId (customer), stationId (station), advisorId (advisor)' },
);

export const UserChangeBody = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    phone: Type.Optional(Phone),
    email: Type.Optional(Email),
    role: Type.Optional(RoleSchema),
    customerId: Type.Optional(BindingId),
    stationId: Type.Optional(BindingId),
    advisorId: Type.Optional(BindingId),
    active: Type.Optional(Type.Boolean({ description: 'false deactivates the user and ends their sessions before the answer' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PasswordResetBody = Type.Object({ password: Type.String({ maxLength: PASSWORD_MAX_LENGTH }) }, { additionalProperties: false });

export const PasswordChangeBody = Type.Object(
  { currentPassword: Password, newPassword: Type.String({ maxLength: PASSWORD_MAX_LENGTH }) },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: Password,
  },
  { additionalProperties: false },
);

export const SignedInSchema = Type.Object(
  {
    user: UserSchema,
    csrfToken: Type.String({ description: 'Send as X-CSRF-Token on every state-changing request signed in by the session cookie' }),
    expiresAt: Iso,
  },
  { title: 'SignedIn' },
);

export const MeSchema = Type.Object(
  {
    sub: Type.String({ description: 'User id, `key:<id>` of an API key, or the token subject' }),
    role: RoleSchema,
    customerId: Type.Optional(Type.String()),
    stationId: Type.Optional(Type.String()),
    advisorId: Type.Optional(Type.String()),
    name: Type.Optional(Type.String({ description: 'Display name (users) or key name (API keys)' })),
    scopeName: Type.Optional(Type.String({ description: 'Name of the customer, station or advisor the caller is bound to (customerId, else stationId, else advisorId)' })),
    via: Literals(['token', 'session', 'api-key'] as const),
    mustChangePassword: Type.Boolean(),
    csrfToken: Type.Optional(Type.String({ description: 'Only for a session: the token to echo in X-CSRF-Token' })),
    user: Type.Optional(UserSchema),
  },
  { title: 'Me' },
);

export const AuthOptionsSchema = Type.Object(
  {
    password: Type.Boolean({ description: 'Username and password sign-in (always on)' }),
    singleSignOn: Type.Boolean({ description: 'OpenID Connect sign-in is configured (GET /v1/auth/oidc/start)' }),
  },
  { title: 'AuthOptions' },
);

export const ApiKeySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    role: Literals(['customer', 'station'] as const),
    customerId: Type.Optional(Type.String()),
    stationId: Type.Optional(Type.String()),
    createdAt: Iso,
    createdBy: Type.String(),
    revokedAt: Type.Optional(Iso),
    lastUsedAt: Type.Optional(Iso),
  },
  { title: 'ApiKey' },
);

export const NewApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120, description: 'What the key is for, e.g. "TMS of customer C1"' }),
    role: Literals(['customer', 'station'] as const),
    customerId: Type.Optional(BindingId),
    stationId: Type.Optional(BindingId),
  },
  { additionalProperties: false },
);

export const CreatedApiKeySchema = Type.Object(
  {
    key: ApiKeySchema,
    secret: Type.String({ description: 'The bearer value (Authorization: Bearer frk_…). Shown this once: only its hash is stored.' }),
  },
  { title: 'CreatedApiKey' },
);

export const AuditEntrySchema = Type.Object(
  {
    id: Type.String({ description: 'Stream id; its first part is the epoch ms' }),
    at: Iso,
    actor: Type.Object({
      kind: Literals(['user', 'api-key', 'token', 'anonymous'] as const),
      id: Type.Optional(Type.String()),
      name: Type.Optional(Type.String()),
      role: Type.Optional(RoleSchema),
    }),
    action: Type.String({ description: 'Method and route, e.g. POST /v1/rescues/:id/cancel' }),
    object: Type.Optional(Type.String({ description: '<area>/<id> of the object acted on' })),
    outcome: Literals(['ok', 'refused', 'failed'] as const),
    status: Type.Integer(),
    address: Type.String(),
    requestId: Type.String(),
  },
  { title: 'AuditEntry' },
);

export const AuditQuerySchema = Type.Object(
  {
    userId: Type.Optional(Type.String({ maxLength: 200, description: 'Actor id: a user id, key:<id>, or a token subject' })),
    object: Type.Optional(Type.String({ maxLength: 200, description: '<area>/<id>, e.g. rescues/rc-…' })),
    from: Type.Optional(Iso),
    to: Type.Optional(Iso),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    before: Type.Optional(Type.String({ pattern: '^[0-9]+-[0-9]+$', description: 'Paging cursor: `next` of the previous page' })),
  },
  { additionalProperties: false },
);
