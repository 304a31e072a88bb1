// Redis keys of user accounts, sessions, the sign-in limiter, API keys and the audit trail: the `accounts`
// part of redisKeys (core/keys.ts), in its own file because it is a whole area of its own.
export function accountKeys(prefix: string) {
  const p = `${prefix}:acct:`;
  return {
    /** Hash userId → JSON StoredUser (with its password hash: never leaves the API). */
    users: `${p}users`,
    /** Hash lower-cased username → userId (unique usernames). */
    usernames: `${p}usernames`,
    /** Hash "issuer|subject" → userId of users signed in by single sign-on. */
    externalIds: `${p}external-ids`,
    /** JSON session by the SHA-256 of its id (a Redis dump holds no usable session id); TTL = idle timeout. */
    session: (idHash: string) => `${p}session:${idHash}`,
    /** Set of session id hashes of one user (ends them all on deactivation or password reset). */
    userSessions: (userId: string) => `${p}user-sessions:${userId}`,
    /** Failed sign-ins in the current window, per lower-cased username / per client address. The {hash tag}
     *  keeps a counter and its lock in one slot (one Lua script touches both). */
    failuresOfUsername: (username: string) => `${p}signin:{user:${username}}:failures`,
    failuresOfAddress: (address: string) => `${p}signin:{addr:${address}}:failures`,
    /** Present (with TTL = lockout) while sign-in for a username / from an address is locked. */
    lockOfUsername: (username: string) => `${p}signin:{user:${username}}:lock`,
    lockOfAddress: (address: string) => `${p}signin:{addr:${address}}:lock`,
    /** Pending single sign-on: JSON {codeVerifier, nonce, returnTo} by state; short TTL, read once. */
    oidcPending: (state: string) => `${p}oidc:${state}`,
    /** Hash keyId → JSON StoredApiKey (secret stored as SHA-256 only). */
    apiKeys: `${p}api-keys`,
    /** Hash keyId → ISO time the key was last used. */
    apiKeyLastUsed: `${p}api-keys:last-used`,
    /** Redis Stream of audit entries (retention by MINID/MAXLEN, see accounts/audit-trail.ts). */
    audit: `${p}audit`,
  };
}

export type AccountKeys = ReturnType<typeof accountKeys>;
