'use strict';

// The command-line driver, as an operator (and the conformance suite) runs it.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { S1, S2, K1, K2, SOON, claims, seal, vectorFiles, revokedEntry } = require('./helpers');

const DRIVER = path.resolve(__dirname, '../bin/client-keys-verify.js');
const ENV = { CLIENT_SECRET: S1, CLIENT_KEYS: `${K1}, ${K2}`, PATH: process.env.PATH };

function run(args, { env = ENV, stdin = '' } = {}) {
  const done = spawnSync(process.execPath, [DRIVER, ...args], { env, input: stdin });
  return [done.status, done.stdout.toString(), done.stderr.toString()];
}

test('prints the key as issue-client-key verify does', () => {
  const everyClaim = vectorFiles().flatMap(([, doc]) => doc.valid).find((c) => c.desc === 'every claim');
  assert.deepEqual(run([everyClaim.token], { env: { ...ENV, CLIENT_SECRET: everyClaim.secret } }), [0,
    '{"expires_at":"2100-01-01T00:00:00Z","key_id":"00112233445566778899aabbccddeeff","kind":"client_key",' +
    '"metadata":{"env":"prod","team":"payments"},"name":"Billing worker \u2713","scopes":["read","write"]}\n', '']);
  const access = seal('access_token', { keyId: K2, claimBytes: claims({ expiresAt: SOON, scopes: ['a'], sessionId: 'q"\\' }) });
  const soon = new Date(SOON * 1000).toISOString().replace('.000Z', 'Z');
  assert.equal(run([access])[1], `{"expires_at":"${soon}","key_id":"3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e",` +
    '"kind":"access_token","metadata":{},"name":null,"scopes":["a"],"session_id":"q\\"\\\\"}\n');
  const ordered = seal('client_key', { claimBytes: claims({ metadata: [['1', 'a'], ['10', 'b'], ['9', 'c'], ['__proto__', 'd']] }) });
  assert.match(run([ordered])[1], /"metadata":\{"1":"a","10":"b","9":"c","__proto__":"d"\}/);
});

test('reads the first line of stdin', () => {
  const token = seal();
  for (const args of [[], ['-']]) {
    const [code, out] = run(args, { stdin: ` \t${token}\r\nsecond line\n` });
    assert.deepEqual([code, JSON.parse(out).key_id], [0, K1]);
  }
  assert.equal(run([], { stdin: '\n' })[0], 2);
  assert.equal(run([`  ${token}\n`])[0], 0);
  assert.equal(run([`${token}\u00a0`])[0], 1); // only ASCII whitespace is trimmed
});

test('a refused token exits 1 with one line', () => {
  for (const [token, reason] of [[seal('client_key', { secret: S2 }), 'token was minted under a secret'],
    [seal('client_key', { claimBytes: claims({ expiresAt: 1 }) }), 'token of key_id'],
    [`ckey_${'A'.repeat(101)}`, 'malformed token: token is not canonical']]) {
    const [code, out, err] = run([token]);
    assert.deepEqual([code, out], [1, '']);
    assert.ok(err.startsWith(`client-keys-verify: token rejected: ${reason}`), err);
    assert.equal(err.split('\n').length, 2);
    assert.ok(!err.includes(token.slice(5)));
  }
});

test('configuration errors exit 2, naming the variable', () => {
  const bad = `x${S1.slice(1)}`;
  const [code, out, err] = run([seal()], { env: { ...ENV, CLIENT_SECRET: bad } });
  assert.deepEqual([code, out], [2, '']);
  assert.match(err, /CLIENT_SECRET has a character that is not hexadecimal at position 1/);
  assert.ok(!err.includes(bad));
  const { CLIENT_KEYS, ...noKeys } = ENV;
  assert.match(run([seal()], { env: noKeys })[2], /CLIENT_KEYS is not set/);
  const { CLIENT_SECRET, ...noSecret } = ENV;
  assert.equal(run([seal()], { env: noSecret })[0], 2);
  const entry = 'not-an-entry';
  const [code2, out2, err2] = run([seal()], { env: { ...ENV, CLIENT_REVOKED_SESSIONS: `${revokedEntry(K1)}, ${entry}` } });
  assert.deepEqual([code2, out2], [2, '']);
  assert.match(err2, /CLIENT_REVOKED_SESSIONS entry 2 is not of the form KEY_ID\[:SESSION_ID\]@UNTIL/);
  assert.ok(!err2.includes(entry));
});

test('reads CLIENT_REVOKED_SESSIONS', () => {
  const env = { ...ENV, CLIENT_REVOKED_SESSIONS: revokedEntry(K1, 'q"\\') };
  const revoked = seal('access_token', { claimBytes: claims({ expiresAt: SOON, sessionId: 'q"\\' }) });
  assert.deepEqual(run([revoked], { env }), [1, '',
    `client-keys-verify: token rejected: session "q\\"\\\\" of key_id ${K1} is revoked (CLIENT_REVOKED_SESSIONS)\n`]);
  assert.equal(run([seal()], { env })[0], 0); // the parent itself
});

test('batch mode', () => {
  const at = 2_000_000_000;
  const lines = [{ token: seal() }, { token: seal('client_key', { claimBytes: claims({ expiresAt: at }) }), now: at },
    { token: seal('client_key', { claimBytes: claims({ expiresAt: at }) }), now: at - 1 },
    { token: seal(), kinds: ['access_token'] }, { token: 'nope' },
    { token: seal('access_token', { claimBytes: claims({ expiresAt: at }) }), now: at - 3661, max_access_ttl: 3600 }];
  const [code, out] = run(['--batch'], { stdin: `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{}\n` });
  const results = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(code, 0);
  assert.deepEqual(results.map((r) => r.ok), [true, false, true, false, false, false, false]);
  assert.deepEqual(results.map((r) => r.reason), [undefined, 'expired', undefined, 'wrong_kind', 'malformed', 'malformed', 'bad_input']);
  assert.equal(out.split('\n')[0], `{"ok":true,"key":${run([seal()])[1].trim()}}`);
});
