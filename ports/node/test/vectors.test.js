'use strict';

// Every case of tests/vectors/*.json, valid and invalid.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Verifier, VerifyError } = require('..');
const { vectorFiles } = require('./helpers');

test('valid vectors verify to their claims', () => {
  for (const [kind, doc] of vectorFiles()) {
    for (const c of doc.valid) {
      const verifier = new Verifier({ secret: c.verifier_secret ?? c.secret, clientKeys: c.key_id, previous: c.previous_secrets,
        revokedSessions: c.revoked_sessions });
      const key = verifier.verify(c.token, { now: c.now });
      const claims = c.claims;
      assert.deepEqual(
        [key.kind, key.keyId, key.expiresAt, key.name, [...key.scopes], [...key.metadata], key.sessionId],
        [kind, c.key_id, claims.expires_at, claims.name, claims.scopes, Object.entries(claims.metadata), claims.session_id],
        c.desc,
      );
    }
  }
});

test('invalid vectors fail for their stated reason', () => {
  let count = 0;
  for (const [, doc] of vectorFiles()) {
    for (const c of doc.invalid) {
      const verifier = new Verifier({ secret: c.secret, clientKeys: c.client_keys, previous: c.previous_secrets,
        revokedSessions: c.revoked_sessions });
      assert.throws(() => verifier.verify(c.token, { now: c.now }), (e) => {
        assert.ok(e instanceof VerifyError, c.desc);
        assert.equal(e.reason, c.error, c.desc);
        if (c.token.length > 8) assert.ok(!e.message.includes(c.token), c.desc);
        return true;
      });
      count += 1;
    }
  }
  assert.ok(count > 20);
});

test('the vectors cover the lifetime cap and revoked sessions', () => {
  const cases = vectorFiles().flatMap(([, doc]) => [...doc.valid, ...doc.invalid]);
  assert.ok(cases.some((c) => c.revoked_sessions));
  assert.ok(cases.some((c) => c.error === 'session_revoked'));
});
