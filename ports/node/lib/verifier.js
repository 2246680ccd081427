'use strict';

// Verifying client keys (`ckey_…`) and access tokens (`ckat_…`), format v1 (docs/FORMAT.md).

const crypto = require('node:crypto');
const util = require('node:util');
const claims = require('./claims');
const { bearerToken } = require('./authorization');
const { ConfigError, VerifyError } = require('./errors');
const { RevokedSessions, entries, TRIM } = require('./revoked');

const CLIENT_KEY = 'client_key';
const ACCESS_TOKEN = 'access_token';
const KINDS = Object.freeze([CLIENT_KEY, ACCESS_TOKEN]);
const MAX_TOKEN_LEN = 512;
// The longest lifetime of an access token, in seconds: a verifier refuses one that expires later
// than `now + MAX_ACCESS_TTL + CLOCK_SKEW` (or its own lower `maxAccessTtl`), whoever sealed it.
const MAX_ACCESS_TTL = 24 * 3600;
// How far ahead of this server's clock the minting server's clock may be, in seconds.
const CLOCK_SKEW = 60;
const PREFIXES = { ckey_: [CLIENT_KEY, 0x01], ckat_: [ACCESS_TOKEN, 0x02] };
const KIND_TEXT = { [CLIENT_KEY]: 'client key', [ACCESS_TOKEN]: 'access token' };
const MIN_BODY_LEN = 6 + 12 + 16 + 16; // header, nonce, key id, tag
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const SALT = 'client-keys/v1';
const LABELS = {
  secretId: 'client-keys/v1 secret-id',
  [CLIENT_KEY]: 'client-keys/v1 client-key aes-256-gcm',
  [ACCESS_TOKEN]: 'client-keys/v1 access-token aes-256-gcm',
};
const HEX_KEY_ID = /^[0-9a-fA-F]{32}$/;

/** A key that passed `Verifier#verify`. For an access token, `keyId` is its parent's. */
class VerifiedKey {
  constructor({ keyId, kind, name = null, scopes = [], metadata = new Map(), expiresAt = null, sessionId = null }) {
    this.keyId = keyId;
    this.kind = kind;
    this.name = name;
    this.scopes = Object.freeze([...scopes]);
    /** A Map, in key order (any key is safe, `__proto__` included). */
    this.metadata = metadata;
    /** Unix seconds, or null. */
    this.expiresAt = expiresAt;
    this.sessionId = sessionId;
    Object.freeze(this);
  }

  hasScope(scope) {
    return this.scopes.includes(scope);
  }
}

/**
 * Verifies tokens against CLIENT_SECRET (and previous secrets) and the CLIENT_KEYS allowlist.
 *
 *   const verifier = Verifier.fromEnv();
 *   const key = verifier.verify(token);   // or throws VerifyError, never naming the token
 */
class Verifier {
  #keyring;
  #allowlist;
  #kinds;
  #revoked;
  #maxAccessTtl;

  /**
   * `secret`: the 64 hex characters of CLIENT_SECRET; `clientKeys`: the text of CLIENT_KEYS (or
   * an array of key ids); `previous`: the text of CLIENT_SECRET_PREVIOUS (or an array); `kinds`:
   * the kinds of token `verify` accepts; `revokedSessions`: the text of CLIENT_REVOKED_SESSIONS
   * (or an array of its entries, or a RevokedSessions), whose access tokens are refused as
   * 'session_revoked'; `maxAccessTtl`: the longest access-token lifetime your token endpoint
   * grants (seconds): access tokens expiring more than that (plus CLOCK_SKEW) after now are
   * refused as 'malformed'. It can only lower MAX_ACCESS_TTL, which applies by default (clamped
   * to 1..86400).
   */
  constructor({ secret, clientKeys, previous = null, kinds = KINDS, revokedSessions = null, maxAccessTtl = MAX_ACCESS_TTL }) {
    const keyring = [derive(parseSecret(secret, 'CLIENT_SECRET'))];
    entries(previous ?? []).forEach((entry, i) => {
      keyring.push(derive(parseSecret(entry, `CLIENT_SECRET_PREVIOUS entry ${i + 1}`)));
    });
    if (clientKeys === undefined || clientKeys === null) {
      throw new ConfigError('CLIENT_KEYS is not set: add `CLIENT_KEYS=` (comma-separated key ids) to the ' +
        'environment; an empty value refuses every key');
    }
    const unknown = kinds.filter((kind) => !KINDS.includes(kind));
    if (unknown.length > 0) throw new TypeError(`unknown token kinds ${unknown}: use ${KINDS}`);
    this.#keyring = keyring;
    // Other entries (such as `another-key` of older deployments) can never match a token.
    this.#allowlist = new Set(entries(clientKeys).filter((e) => HEX_KEY_ID.test(e)).map((e) => e.toLowerCase()));
    this.#kinds = new Set(kinds);
    this.#revoked = revokedSessions instanceof RevokedSessions ? revokedSessions : RevokedSessions.parse(revokedSessions);
    if (typeof maxAccessTtl !== 'number' || Number.isNaN(maxAccessTtl)) {
      throw new TypeError('maxAccessTtl is a number of seconds');
    }
    this.#maxAccessTtl = Math.floor(Math.min(Math.max(maxAccessTtl, 1), MAX_ACCESS_TTL));
  }

  /**
   * Reads CLIENT_SECRET, CLIENT_SECRET_PREVIOUS (optional), CLIENT_KEYS and
   * CLIENT_REVOKED_SESSIONS (optional) from `env`. `kinds` and `maxAccessTtl` are policy, from code.
   */
  static fromEnv(env = process.env, { kinds = KINDS, maxAccessTtl = MAX_ACCESS_TTL } = {}) {
    if (env.CLIENT_SECRET === undefined) {
      throw new ConfigError('CLIENT_SECRET is not set: create one with `issue-client-key secret` and put it ' +
        'in the environment');
    }
    return new Verifier({
      secret: env.CLIENT_SECRET, clientKeys: env.CLIENT_KEYS, previous: env.CLIENT_SECRET_PREVIOUS, kinds,
      revokedSessions: env.CLIENT_REVOKED_SESSIONS, maxAccessTtl,
    });
  }

  /**
   * Returns the VerifiedKey of `token`, or throws a VerifyError saying why not.
   *
   * The checks, in this order (docs/FORMAT.md, "Verifying"), each only if all before passed:
   * length (before anything proportional to the input), prefix, strict base64url, body size,
   * version and kind byte, secret id, AES-GCM, key id and claims (canonical, per-kind rules),
   * accepted kind, expiry (`now >= expiresAt`; `now` in unix seconds, default the clock) and for
   * an access token its lifetime (`expiresAt > now + maxAccessTtl + CLOCK_SKEW` is malformed),
   * the allowlist (for an access token, its parent's key id), and for an access token
   * CLIENT_REVOKED_SESSIONS (its parent and session id, or none).
   */
  verify(token, { now } = {}) {
    if (typeof token !== 'string') throw new TypeError('a token is a string');
    // The UTF-16 length bounds the UTF-8 one from below: no scan of a long input.
    const size = token.length > MAX_TOKEN_LEN ? Infinity : Buffer.byteLength(token);
    if (size > MAX_TOKEN_LEN) throw VerifyError.malformed('token is too long');
    if (size < 5) throw VerifyError.malformed('token is too short');
    const prefix = token.slice(0, 5); // any non-ASCII character fails this or the base64url check
    if (!Object.hasOwn(PREFIXES, prefix)) throw VerifyError.malformed('unknown token prefix');
    const [kind, kindByte] = PREFIXES[prefix];
    const body = decodeBase64url(token.slice(5));
    if (body.length < MIN_BODY_LEN) throw VerifyError.malformed('token is too short');
    if (body[0] !== 0x01) throw VerifyError.malformed('unsupported token version');
    if (body[1] !== kindByte) throw VerifyError.malformed('token kind does not match its prefix');
    const plaintext = this.#decrypt(kind, Buffer.concat([Buffer.from(prefix), body.subarray(0, 6)]), body);
    const keyId = plaintext.subarray(0, 16).toString('hex');
    let decoded;
    try {
      decoded = claims.decode(plaintext.subarray(16));
    } catch (e) {
      if (e instanceof claims.ClaimsError) throw VerifyError.malformed(e.message);
      throw e;
    }
    checkKindRules(kind, decoded);
    if (!this.#kinds.has(kind)) {
      throw new VerifyError('wrong_kind', `a ${KIND_TEXT[kind]} (key_id ${keyId}) is not accepted here`, { keyId });
    }
    if (decoded.expiresAt !== null) {
      const at = now ?? Math.floor(Date.now() / 1000);
      if (at >= decoded.expiresAt) {
        throw new VerifyError('expired', `token of key_id ${keyId} expired at ${decoded.expiresAt} (unix time)`, { keyId });
      }
      if (kind === ACCESS_TOKEN && decoded.expiresAt > at + this.#maxAccessTtl + CLOCK_SKEW) {
        throw VerifyError.malformed("an access token expires later than this server's longest access-token lifetime");
      }
    }
    if (!this.#allowlist.has(keyId)) {
      throw new VerifyError('key_not_allowed', `key_id ${keyId} is not in CLIENT_KEYS (revoked or never added)`, { keyId });
    }
    if (kind === ACCESS_TOKEN && this.#revoked.has(keyId, decoded.sessionId)) {
      throw VerifyError.sessionRevoked(keyId, decoded.sessionId);
    }
    return new VerifiedKey({ keyId, kind, ...decoded });
  }

  /** Verifies the value of an Authorization header (`Bearer <token>`). */
  verifyAuthorization(headerValue, options) {
    return this.verify(bearerToken(headerValue), options);
  }

  accepts(kind) {
    return this.#kinds.has(kind);
  }

  /** Opens the body with each configured secret whose id it names. */
  #decrypt(kind, aad, body) {
    const candidates = this.#keyring.filter((k) => k.id.equals(body.subarray(2, 6)));
    if (candidates.length === 0) {
      throw new VerifyError('unknown_secret', 'token was minted under a secret this server does not have (an old ' +
        "secret no longer in CLIENT_SECRET_PREVIOUS, or another deployment's)");
    }
    for (const secret of candidates) { // a 4-byte id can collide between two secrets: try each
      const decipher = crypto.createDecipheriv('aes-256-gcm', secret.keys[kind], body.subarray(6, 18),
        { authTagLength: 16 });
      decipher.setAAD(aad);
      decipher.setAuthTag(body.subarray(body.length - 16));
      const plaintext = decipher.update(body.subarray(18, body.length - 16));
      try {
        return Buffer.concat([plaintext, decipher.final()]);
      } catch {
        // the tag does not match: try the next secret
      }
    }
    throw new VerifyError('forged', 'token does not decrypt: tampered with or forged');
  }

  [util.inspect.custom]() {
    const ids = this.#keyring.map((k) => k.id.toString('hex'));
    return `Verifier { secretIds: ${JSON.stringify(ids)}, clientKeys: ${this.#allowlist.size}, ` +
      `kinds: ${JSON.stringify([...this.#kinds])}, revokedSessions: ${this.#revoked.size}, ` +
      `maxAccessTtl: ${this.#maxAccessTtl} }`;
  }
}

/** Strict base64url: no padding, only the alphabet, and zero unused bits. */
function decodeBase64url(text) {
  if (text.length % 4 === 1 || !BASE64URL.test(text)) throw VerifyError.malformed('token is not canonical base64url');
  const body = Buffer.from(text, 'base64url');
  if (body.toString('base64url') !== text) throw VerifyError.malformed('token is not canonical base64url');
  return body;
}

function checkKindRules(kind, decoded) {
  if (kind === CLIENT_KEY && decoded.sessionId !== null) throw VerifyError.malformed('a client key carries a session id');
  if (kind === ACCESS_TOKEN && decoded.expiresAt === null) throw VerifyError.malformed('an access token has no expiry');
  if (kind === ACCESS_TOKEN && (decoded.name !== null || decoded.metadata.size > 0)) {
    throw VerifyError.malformed('an access token carries a name or metadata');
  }
}

/** What is derived from one secret (the secret itself is not kept). */
function derive(secret) {
  const hkdf = (label, length) => Buffer.from(crypto.hkdfSync('sha256', secret, SALT, label, length));
  return {
    id: hkdf(LABELS.secretId, 4),
    keys: { [CLIENT_KEY]: crypto.createSecretKey(hkdf(LABELS[CLIENT_KEY], 32)),
      [ACCESS_TOKEN]: crypto.createSecretKey(hkdf(LABELS[ACCESS_TOKEN], 32)) },
  };
}

/** The 32 bytes of a secret's 64 hex characters; the error never repeats the value. */
function parseSecret(text, variable) {
  if (typeof text !== 'string') throw new TypeError(`${variable} must be a string`);
  const chars = [...text];
  let problem;
  if (text === '') problem = 'is empty';
  else if (text.replace(TRIM, '') !== text) problem = 'has whitespace around it';
  else if (Buffer.byteLength(text) >= 2 && text[0] === text.at(-1) && (text[0] === '"' || text[0] === "'")) {
    problem = 'is wrapped in quotes that are part of the value';
  } else if (chars.length !== 64) problem = `is ${chars.length} characters long`;
  else {
    const position = chars.findIndex((c) => !/^[0-9a-fA-F]$/.test(c));
    if (position < 0) return Buffer.from(text, 'hex');
    problem = `has a character that is not hexadecimal at position ${position + 1}`;
  }
  throw new ConfigError(`${variable} ${problem}; it must be exactly 64 hexadecimal characters (32 bytes), ` +
    'unquoted: make one with `issue-client-key secret`');
}

module.exports = { Verifier, VerifiedKey, CLIENT_KEY, ACCESS_TOKEN, KINDS, MAX_TOKEN_LEN, MAX_ACCESS_TTL, CLOCK_SKEW };
