'use strict';

// The verifier on crafted tokens: kinds, the clock seam, rotation, the allowlist, limits, config.

const test = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const { ConfigError, Verifier } = require('..');
const { S1, S2, K1, K2, FAR, claims, seal, reason, derive } = require('./helpers');

const verifier = (clientKeys = K1, options = {}) => new Verifier({ secret: S1, clientKeys, ...options });

test('a verifier can refuse a kind, before expiry and the allowlist', () => {
  const key = seal();
  const access = seal('access_token', { claimBytes: claims({ expiresAt: FAR }) });
  const accessOnly = verifier(K1, { kinds: ['access_token'] });
  assert.throws(() => accessOnly.verify(key), { reason: 'wrong_kind', keyId: K1, message: `a client key (key_id ${K1}) is not accepted here` });
  assert.equal(reason(verifier(K1, { kinds: ['client_key'] }), access), 'wrong_kind');
  assert.equal(accessOnly.verify(access).kind, 'access_token');
  assert.equal(reason(accessOnly, seal('client_key', { claimBytes: claims({ expiresAt: 1_000_000_000 }) })), 'wrong_kind');
  assert.equal(reason(verifier(K2, { kinds: ['access_token'] }), key), 'wrong_kind');
  assert.equal(reason(accessOnly, `${key.slice(0, -2)}AA`), 'forged');
  assert.throws(() => verifier(K1, { kinds: ['jwt'] }), TypeError);
});

test('expired when now reaches expires_at', () => {
  const at = Math.floor(Date.now() / 1000) + 3600;
  const token = seal('client_key', { claimBytes: claims({ expiresAt: at }) });
  assert.equal(verifier().verify(token).expiresAt, at);
  assert.equal(verifier().verify(token, { now: at - 1 }).expiresAt, at);
  assert.equal(reason(verifier(), token, { now: at }), 'expired');
  assert.equal(reason(verifier(), token, { now: at + 1e9 }), 'expired');
  assert.equal(reason(verifier(), seal('access_token', { claimBytes: claims({ expiresAt: at }) }), { now: at }), 'expired');
});

test('previous secrets verify, unknown ones do not', () => {
  const token = seal();
  assert.equal(new Verifier({ secret: S2, clientKeys: K1, previous: ` , ${S1.toUpperCase()} ,` }).verify(token).keyId, K1);
  assert.equal(new Verifier({ secret: S2, clientKeys: K1, previous: [S1] }).verify(token).keyId, K1);
  assert.equal(reason(new Verifier({ secret: S2, clientKeys: K1 }), token), 'unknown_secret');
  assert.equal(reason(new Verifier({ secret: S2, clientKeys: K1, previous: '' }), token), 'unknown_secret');
});

test('allowlist entries are trimmed, case-insensitive, and others never match', () => {
  const token = seal('client_key', { keyId: K2 });
  for (const text of [` ${K2} `, `,,another-key, ${K2.toUpperCase()},`, `\u3000${K2}\u00a0`, [K2]]) {
    assert.equal(verifier(text).verify(token).keyId, K2, String(text));
  }
  for (const text of ['', ' , ', K1, 'another-key', K2.slice(0, 31), `${K2}0`, `\ufeff${K2}`]) {
    assert.equal(reason(verifier(text), token), 'key_not_allowed', text);
  }
  const access = seal('access_token', { keyId: K2, claimBytes: claims({ expiresAt: FAR }) });
  assert.equal(verifier(K2).verify(access).keyId, K2);
  assert.equal(reason(verifier(K1), access), 'key_not_allowed');
});

test('length is checked first', () => {
  const biggest = seal('client_key', { claimBytes: claims({ name: 'n'.repeat(64), metadata: [['k', 'v'.repeat(128)], ['l', 'w'.repeat(128)]] }) });
  assert.equal(biggest.length, 512);
  assert.equal(verifier().verify(biggest).name, 'n'.repeat(64));
  for (const token of [`${biggest}A`, `ckey_${'A'.repeat(508)}`, 'x'.repeat(1 << 20), 'é'.repeat(300)]) {
    assert.throws(() => verifier().verify(token), { message: 'malformed token: token is too long' });
  }
  const garbage = 'x'.repeat(1 << 20);
  const started = process.hrtime.bigint();
  for (let i = 0; i < 1000; i += 1) reason(verifier(), garbage);
  assert.ok(process.hrtime.bigint() - started < 1_000_000_000n);
});

test('claims at and past their limits', () => {
  const scopes = Array.from({ length: 17 }, (_, i) => `s${String(i).padStart(2, '0')}`);
  const metadata = Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']);
  const accepted = [
    claims({ name: 'é'.repeat(32) }), claims({ name: '\ufeffbom kept' }), claims({ name: 'nbsp\u00a0ok' }),
    claims({ scopes: scopes.slice(0, 16) }), claims({ metadata: metadata.slice(0, 8) }), claims({ metadata: [['k', '']] }),
    claims({ scopes: ["!#$%&'()*+-./:;<=>?@[]^_`{|}~"] }), claims({ metadata: [['A', 'x'], ['_', 'y'], ['a', 'z']] }),
  ];
  for (const raw of accepted) assert.equal(verifier().verify(seal('client_key', { claimBytes: raw })).keyId, K1, raw.toString('hex'));
  assert.equal(verifier().verify(seal('client_key', { claimBytes: claims({ name: '\ufeffbom kept' }) })).name, '\ufeffbom kept');
  const order = verifier().verify(seal('client_key', { claimBytes: claims({ metadata: [['1', 'a'], ['10', 'b'], ['9', 'c'], ['__proto__', 'd']] }) }));
  assert.deepEqual([...order.metadata.keys()], ['1', '10', '9', '__proto__']);
  const refused = [
    claims({ name: `${'é'.repeat(32)}e` }), claims({ name: '' }), claims({ name: Buffer.from([0xc3, 0x28]) }),
    claims({ name: Buffer.from([0xed, 0xa0, 0x80]) }), claims({ name: Buffer.from([0xc0, 0x80]) }), claims({ name: 'tab\there' }),
    claims({ name: 'c1\u009f' }), claims({ scopes }), claims({ metadata }), claims({ scopes: ['b', 'a'] }),
    claims({ scopes: ['a', 'a'] }), claims({ scopes: ['a,b'] }), claims({ scopes: ['a"b'] }), claims({ scopes: ['a\\b'] }),
    claims({ scopes: [''] }), claims({ metadata: [['a', 'x'], ['A', 'y']] }), claims({ metadata: [['k/', 'v']] }),
    claims({ metadata: [['k\n', 'v']] }), claims({ metadata: [['k', 'v'.repeat(129)]] }), claims({ metadata: [['k', '\x7f']] }),
    claims({ expiresAt: 0 }), claims({ expiresAt: 253402300800 }), Buffer.from([4, 0]), Buffer.from([4, 2, 5, 0x6b]),
    Buffer.concat([claims({ name: 'a' }), claims({ expiresAt: FAR })]), Buffer.from([1, 4, 0, 0, 0, 1]), Buffer.from([6, 0]),
  ];
  for (const raw of refused) assert.equal(reason(verifier(), seal('client_key', { claimBytes: raw })), 'malformed', raw.toString('hex'));
  assert.equal(verifier().verify(seal('client_key', { claimBytes: claims({ expiresAt: 253402300799 }) }), { now: 0 }).expiresAt, 253402300799);
});

test('per-kind claims', () => {
  const session = '!~"\\'.repeat(16);
  assert.equal(verifier().verify(seal('access_token', { claimBytes: claims({ expiresAt: FAR, sessionId: session }) })).sessionId, session);
  for (const [kind, raw] of [
    ['client_key', claims({ sessionId: 's' })], ['access_token', claims({ scopes: ['read'] })],
    ['access_token', claims({ expiresAt: FAR, name: 'n' })], ['access_token', claims({ expiresAt: FAR, metadata: [['k', 'v']] })],
    ['access_token', claims({ expiresAt: FAR, sessionId: 'a b' })], ['access_token', claims({ expiresAt: FAR, sessionId: 's'.repeat(65) })],
  ]) {
    assert.equal(reason(verifier(), seal(kind, { claimBytes: raw })), 'malformed', raw.toString('hex'));
  }
});

test('configuration problems name the variable, never the value', () => {
  const bad = 'zz'.repeat(32);
  for (const [change, start] of [
    [{ secret: '' }, 'CLIENT_SECRET is empty'],
    [{ secret: ` ${S1}` }, 'CLIENT_SECRET has whitespace around it'],
    [{ secret: `"${S1}"` }, 'CLIENT_SECRET is wrapped in quotes'],
    [{ secret: S1.slice(0, 63) }, 'CLIENT_SECRET is 63 characters long'],
    [{ secret: `é${S1.slice(1)}` }, 'CLIENT_SECRET has a character that is not hexadecimal at position 1'],
    [{ secret: `😀${S1.slice(1)}` }, 'CLIENT_SECRET has a character that is not hexadecimal at position 1'],
    [{ secret: bad }, 'CLIENT_SECRET has a character that is not hexadecimal at position 1'],
    [{ previous: `${S2}, ${bad}` }, 'CLIENT_SECRET_PREVIOUS entry 2 has a character'],
    [{ clientKeys: undefined }, 'CLIENT_KEYS is not set'],
  ]) {
    assert.throws(() => new Verifier({ secret: S1, clientKeys: '', ...change }), (e) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.message.startsWith(start), e.message);
      assert.ok(!e.message.includes(bad) && !e.message.includes(S1.slice(0, 63)));
      return true;
    });
  }
});

test('fromEnv', () => {
  const env = { CLIENT_SECRET: S2, CLIENT_SECRET_PREVIOUS: S1, CLIENT_KEYS: K1 };
  assert.equal(Verifier.fromEnv(env).verify(seal()).keyId, K1);
  assert.throws(() => Verifier.fromEnv({ CLIENT_KEYS: K1 }), /^ConfigError: CLIENT_SECRET is not set/);
  assert.throws(() => Verifier.fromEnv({ CLIENT_SECRET: S1 }), /^ConfigError: CLIENT_KEYS is not set/);
});

test('nothing shows a secret or a token', () => {
  const v = new Verifier({ secret: S1, clientKeys: K1, previous: S2 });
  const token = seal();
  const key = v.verify(token);
  const derived = derive(S1, 'client-keys/v1 client-key aes-256-gcm').toString('hex');
  for (const text of [util.inspect(v, { showHidden: true, depth: 9 }), String(v), JSON.stringify(v), util.inspect(key)]) {
    for (const secret of [S1, S2, token, derived]) assert.ok(!text.includes(secret), text);
  }
});
