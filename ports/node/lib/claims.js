'use strict';

// The canonical claims encoding of docs/FORMAT.md: `tag (1) || length (1) || value`.

const TAG_EXPIRES_AT = 1;
const TAG_NAME = 2;
const TAG_SCOPE = 3;
const TAG_METADATA = 4;
const TAG_SESSION_ID = 5;
const MAX_SCOPES = 16;
const MAX_METADATA = 8;
const MAX_EXPIRES_AT = 253402300799; // 9999-12-31T23:59:59Z
const METADATA_KEY = /^[A-Za-z0-9_.-]{1,32}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/; // Unicode category Cc, exactly
// Strict, and keeps a leading U+FEFF (a BOM is text here, not a marker).
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The claims are not a canonical encoding; the message says what is wrong. */
class ClaimsError extends Error {}

/** An RFC 6749 scope-token without `,` (bytes 0x21, 0x23-0x2B, 0x2D-0x5B, 0x5D-0x7E). */
function isScope(bytes) {
  return bytes.length >= 1 && bytes.length <= 32 && bytes.every((b) =>
    b === 0x21 || (b >= 0x23 && b <= 0x2b) || (b >= 0x2d && b <= 0x5b) || (b >= 0x5d && b <= 0x7e));
}

/** UTF-8 of at most `max` bytes with no control character. */
function text(bytes, max, what) {
  let value;
  try {
    value = UTF8.decode(bytes);
  } catch {
    throw new ClaimsError(`${what} is not UTF-8`);
  }
  if (bytes.length > max || CONTROL.test(value)) throw new ClaimsError(`bad ${what}`);
  return value;
}

/** Decodes a canonical encoding (a Buffer), rejecting anything a minter would not write. */
function decode(data) {
  const claims = { expiresAt: null, name: null, scopes: [], metadata: new Map(), sessionId: null };
  let lastTag = 0;
  let lastScope = null;
  let lastKey = null;
  let i = 0;
  while (i < data.length) {
    if (i + 2 > data.length || i + 2 + data[i + 1] > data.length) throw new ClaimsError('truncated claim');
    const tag = data[i];
    const value = data.subarray(i + 2, i + 2 + data[i + 1]);
    i += 2 + value.length;
    if (tag < lastTag || (tag === lastTag && tag !== TAG_SCOPE && tag !== TAG_METADATA)) {
      throw new ClaimsError('claims out of order');
    }
    lastTag = tag;
    switch (tag) {
      case TAG_EXPIRES_AT: {
        if (value.length !== 8) throw new ClaimsError('bad expiry length');
        const at = value.readBigUInt64BE(0);
        if (at < 1n || at > BigInt(MAX_EXPIRES_AT)) throw new ClaimsError('expiry out of range');
        claims.expiresAt = Number(at);
        break;
      }
      case TAG_NAME:
        if (value.length === 0) throw new ClaimsError('bad name');
        claims.name = text(value, 64, 'name');
        break;
      case TAG_SCOPE:
        if (!isScope(value)) throw new ClaimsError('bad scope');
        if (lastScope !== null && Buffer.compare(lastScope, value) >= 0) throw new ClaimsError('scopes out of order');
        if (claims.scopes.length === MAX_SCOPES) throw new ClaimsError('too many scopes');
        lastScope = value;
        claims.scopes.push(value.toString('latin1'));
        break;
      case TAG_METADATA: {
        if (value.length === 0) throw new ClaimsError('empty metadata');
        const klen = value[0];
        if (value.length - 1 < klen) throw new ClaimsError('bad metadata length');
        const key = value.subarray(1, 1 + klen);
        if (!METADATA_KEY.test(key.toString('latin1'))) throw new ClaimsError('bad metadata key');
        if (lastKey !== null && Buffer.compare(lastKey, key) >= 0) throw new ClaimsError('metadata out of order');
        if (claims.metadata.size === MAX_METADATA) throw new ClaimsError('too much metadata');
        lastKey = key;
        claims.metadata.set(key.toString('latin1'), text(value.subarray(1 + klen), 128, 'metadata'));
        break;
      }
      case TAG_SESSION_ID:
        if (!isSessionId(value)) throw new ClaimsError('bad session id');
        claims.sessionId = value.toString('latin1');
        break;
      default:
        throw new ClaimsError('unknown claim tag');
    }
  }
  return claims;
}

/** A session id: 1 to 64 visible ASCII bytes (0x21-0x7E). */
function isSessionId(value) {
  return value.length >= 1 && value.length <= 64 && value.every((b) => b >= 0x21 && b <= 0x7e);
}

module.exports = { decode, isScope, isSessionId, ClaimsError };
