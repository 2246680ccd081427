'use strict';

// `CLIENT_REVOKED_SESSIONS` (docs/FORMAT.md, "Revoked sessions"): sessions whose access tokens are
// refused while their parent key stays in CLIENT_KEYS.
//
// An entry is `KEY_ID[:SESSION_ID]@UNTIL`: the parent's key id (32 hex, either case), the session
// id percent-encoded (only `A-Z a-z 0-9 - . _ ~` and `%XX` written as they are; absent for the
// tokens minted without a session id), and `YYYY-MM-DDTHH:MM:SSZ`, after which the entry can be
// pruned. A listed session is refused whatever its UNTIL.

const { isSessionId } = require('./claims');
const { ConfigError } = require('./errors');

// What Rust's `str::trim` removes (Unicode White_Space), so that entries parse alike.
const WS = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const TRIM = new RegExp(`^${WS}+|${WS}+$`, 'gu');

/** The one reader of comma-separated variables: text (or an array), entries trimmed, empty ones dropped. */
function entries(value) {
  return (typeof value === 'string' ? value.split(',') : value).map((e) => e.replace(TRIM, '')).filter((e) => e !== '');
}

const KEY_ID = /^[0-9a-fA-F]{32}$/;
const ENCODED_SESSION = /^(?:[A-Za-z0-9._~-]|%[0-9a-fA-F]{2})+$/;
const UNTIL = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$/;
const PROBLEMS = {
  form: 'is not of the form KEY_ID[:SESSION_ID]@UNTIL',
  keyId: 'has a key id that is not 32 hexadecimal characters',
  sessionId: 'has a session id that is not 1 to 64 visible ASCII characters, percent-encoded except for A-Z a-z 0-9 - . _ ~',
  until: 'has an UNTIL time that is not YYYY-MM-DDTHH:MM:SSZ (UTC)',
};
const FIX = 'write entries with `issue-client-key revoke <access token>` or ' +
  '`issue-client-key revoke --session SESSION_ID KEY_ID`';

class EntryProblem extends Error {}

/**
 * One entry: `{ keyId (lower case), sessionId (or null), until (unix seconds) }`. Throws an
 * EntryProblem saying what is wrong (never the value).
 */
function parseEntry(text) {
  const at = text.lastIndexOf('@');
  if (at < 0) throw new EntryProblem(PROBLEMS.form);
  const head = text.slice(0, at);
  const colon = head.indexOf(':');
  const keyId = colon < 0 ? head : head.slice(0, colon);
  if (!KEY_ID.test(keyId)) throw new EntryProblem(PROBLEMS.keyId);
  const sessionId = colon < 0 ? null : decodeSession(head.slice(colon + 1));
  return { keyId: keyId.toLowerCase(), sessionId, until: parseUntil(text.slice(at + 1)) };
}

/** Only unreserved characters and `%XX` escapes; `+` is not a space (nor allowed raw). */
function decodeSession(encoded) {
  if (!ENCODED_SESSION.test(encoded)) throw new EntryProblem(PROBLEMS.sessionId);
  let decoded;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    throw new EntryProblem(PROBLEMS.sessionId); // an escape that is not UTF-8: not ASCII either
  }
  if (!isSessionId(Buffer.from(decoded))) throw new EntryProblem(PROBLEMS.sessionId);
  return decoded;
}

/** `YYYY-MM-DDTHH:MM:SSZ`, a date and time that exist, from 1970 to 9999. */
function parseUntil(text) {
  const match = UNTIL.exec(text);
  if (match === null) throw new EntryProblem(PROBLEMS.until);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  if (year < 1970 || hour > 23 || minute > 59 || second > 59 || back.getUTCFullYear() !== year ||
      back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    throw new EntryProblem(PROBLEMS.until);
  }
  return ms / 1000;
}

/**
 * The parsed deny-list. `RevokedSessions.parse(text)` throws a ConfigError naming the first entry
 * that does not parse by its position (1-based, among the non-empty entries), never its value: a
 * list that does not load is refused as a whole, so that a typo cannot bring a revoked session back.
 *
 *   const list = RevokedSessions.parse('3f2a…1c3e:tab%237@2027-01-16T08:01:00Z');
 *   list.has('3f2a…1c3e', 'tab#7');   // true
 */
class RevokedSessions {
  #byParent;

  /** `pairs`: [keyId (lower-case hex), sessionId or null], already checked. */
  constructor(pairs = []) {
    this.#byParent = new Map();
    for (const [keyId, sessionId] of pairs) {
      const sessions = this.#byParent.get(keyId) ?? [];
      if (!sessions.includes(sessionId)) sessions.push(sessionId);
      this.#byParent.set(keyId, sessions);
    }
    this.size = pairs.length;
    Object.freeze(this);
  }

  /** From the text of CLIENT_REVOKED_SESSIONS (or an array of its entries); null or undefined is empty. */
  static parse(value) {
    const pairs = entries(value ?? []).map((entry, i) => {
      try {
        const { keyId, sessionId } = parseEntry(entry);
        return [keyId, sessionId];
      } catch (e) {
        if (!(e instanceof EntryProblem)) throw e;
        throw new ConfigError(`CLIENT_REVOKED_SESSIONS entry ${i + 1} ${e.message}: ${FIX}`);
      }
    });
    return new RevokedSessions(pairs);
  }

  /**
   * Whether the session `sessionId` (null: tokens minted without one) of the parent `keyId`
   * (lower-case hex) is listed: one map probe, then that parent's few sessions.
   */
  has(keyId, sessionId) {
    if (this.size === 0) return false;
    const sessions = this.#byParent.get(keyId);
    return sessions !== undefined && sessions.includes(sessionId);
  }
}

module.exports = { RevokedSessions, parseEntry, entries, TRIM };
