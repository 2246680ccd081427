'use strict';

/** The configuration is unusable. The message names the variable and the fix, never a value. */
class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * A token (or an Authorization header) was refused. It never holds a token or a secret.
 *
 * For the operator: `reason` is one of 'malformed', 'unknown_secret', 'forged', 'wrong_kind',
 * 'expired', 'key_not_allowed', 'session_revoked' ('not_bearer' and 'invalid_header' for the
 * header), `message` a sentence for the log, `keyId` the key the token belongs to when it
 * decrypted. A server answers every token refusal with the same 401.
 */
class VerifyError extends Error {
  constructor(reason, message, { keyId = null, description = null } = {}) {
    super(message);
    this.name = 'VerifyError';
    this.reason = reason;
    this.keyId = keyId;
    /** 'invalid_header' only: the syntax problem, safe to show the caller. */
    this.description = description;
  }

  static malformed(why) {
    return new VerifyError('malformed', `malformed token: ${why}`);
  }

  /** An access token whose session (null: minted without one) is in CLIENT_REVOKED_SESSIONS. */
  static sessionRevoked(keyId, sessionId) {
    // Quoted as Rust's `{:?}` does: visible ASCII needs only `"` and `\` escaped, as in JSON.
    const message = sessionId === null
      ? `the access tokens minted without a session id for key_id ${keyId} are revoked (CLIENT_REVOKED_SESSIONS)`
      : `session ${JSON.stringify(sessionId)} of key_id ${keyId} is revoked (CLIENT_REVOKED_SESSIONS)`;
    return new VerifyError('session_revoked', message, { keyId });
  }

  static invalidHeader(why) {
    return new VerifyError('invalid_header', `malformed Authorization header: ${why}`, { description: why });
  }
}

module.exports = { ConfigError, VerifyError };
