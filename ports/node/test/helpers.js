'use strict';

// Test-only token minting (the port verifies only), to craft the cases the vectors lack.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const VECTORS = process.env.CLIENT_KEYS_VECTORS ?? path.resolve(__dirname, '../../../tests/vectors');
const S1 = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const S2 = 'f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f';
const K1 = '00112233445566778899aabbccddeeff';
const K2 = '3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e';
const FAR = 4102444800; // 2100-01-01T00:00:00Z: for client keys, which have no longest lifetime
const SOON = Math.floor(Date.now() / 1000) + 3600; // for access tokens verified at the real clock: within their 24 hours

/** A CLIENT_REVOKED_SESSIONS entry, percent-encoding the session id (test-only writer). */
function revokedEntry(keyId, sessionId = null, until = '2027-01-16T08:01:00Z') {
  if (sessionId === null) return `${keyId}@${until}`;
  const encoded = [...Buffer.from(sessionId)].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
    ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  return `${keyId}:${encoded}@${until}`;
}

/** [kind, document] of every vector file. */
function vectorFiles() {
  return fs.readdirSync(VECTORS).filter((name) => name.endsWith('_v1.json')).sort().map((name) => [
    name.startsWith('access_token') ? 'access_token' : 'client_key',
    JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8')),
  ]);
}

const bytes = (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value));
const claim = (tag, value) => Buffer.concat([Buffer.from([tag, bytes(value).length]), bytes(value)]);

/** Claims in the order given (no sorting, no checks), to craft non-canonical ones too. */
function claims({ expiresAt, name, scopes = [], metadata = [], sessionId } = {}) {
  const out = [];
  if (expiresAt !== undefined) {
    const at = Buffer.alloc(8);
    at.writeBigUInt64BE(BigInt(expiresAt));
    out.push(claim(1, at));
  }
  if (name !== undefined) out.push(claim(2, name));
  for (const scope of scopes) out.push(claim(3, scope));
  for (const [key, value] of metadata) out.push(claim(4, Buffer.concat([Buffer.from([key.length]), Buffer.from(key), bytes(value)])));
  if (sessionId !== undefined) out.push(claim(5, sessionId));
  return Buffer.concat(out);
}

const derive = (secret, label, length = 32) =>
  Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secret, 'hex'), 'client-keys/v1', label, length));

/** A token of `kind` carrying `keyId || claimBytes`, sealed under `secret`. */
function seal(kind = 'client_key', { keyId = K1, claimBytes = Buffer.alloc(0), secret = S1, nonce = Buffer.alloc(12, 7) } = {}) {
  const [prefix, kindByte, label] = {
    client_key: ['ckey_', 1, 'client-keys/v1 client-key aes-256-gcm'],
    access_token: ['ckat_', 2, 'client-keys/v1 access-token aes-256-gcm'],
  }[kind];
  const header = Buffer.concat([Buffer.from([1, kindByte]), derive(secret, 'client-keys/v1 secret-id', 4)]);
  const cipher = crypto.createCipheriv('aes-256-gcm', derive(secret, label), nonce);
  cipher.setAAD(Buffer.concat([Buffer.from(prefix), header]));
  const sealed = Buffer.concat([cipher.update(Buffer.concat([Buffer.from(keyId, 'hex'), claimBytes])), cipher.final(), cipher.getAuthTag()]);
  return prefix + Buffer.concat([header, nonce, sealed]).toString('base64url');
}

/** The reason `verifier` refuses `token` for, or 'accepted'. */
function reason(verifier, token, options) {
  try {
    verifier.verify(token, options);
    return 'accepted';
  } catch (e) {
    if (e.reason === undefined) throw e;
    return e.reason;
  }
}

module.exports = { S1, S2, K1, K2, FAR, SOON, vectorFiles, claims, seal, reason, derive, revokedEntry };
