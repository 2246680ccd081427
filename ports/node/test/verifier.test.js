'use strict';

// The verifier on crafted tokens: kinds, the clock seam, rotation, the allowlist, limits, config.

const test = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const { ConfigError, RevokedSessions, Verifier } = require('..');
const { S1, S2, K1, K2, FAR, SOON, claims, seal, reason, derive, revokedEntry } = require('./helpers');

const verifier = (clientKeys = K1, options = {}) => new Verifier({ secret: S1, clientKeys, ...options });

test('a verifier can refuse a kind, before expiry and the allowlist', () => {
  const key = seal();
  const access = seal('access_token', { claimBytes: claims({ expiresAt: SOON }) });
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
  const access = seal('access_token', { keyId: K2, claimBytes: claims({ expiresAt: SOON }) });
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
  assert.equal(verifier().verify(seal('access_token', { claimBytes: claims({ expiresAt: SOON, sessionId: session }) })).sessionId, session);
  for (const [kind, raw] of [
    ['client_key', claims({ sessionId: 's' })], ['access_token', claims({ scopes: ['read'] })],
    ['access_token', claims({ expiresAt: SOON, name: 'n' })], ['access_token', claims({ expiresAt: SOON, metadata: [['k', 'v']] })],
    ['access_token', claims({ expiresAt: SOON, sessionId: 'a b' })], ['access_token', claims({ expiresAt: SOON, sessionId: 's'.repeat(65) })],
  ]) {
    assert.equal(reason(verifier(), seal(kind, { claimBytes: raw })), 'malformed', raw.toString('hex'));
  }
});

const NOW = 1_800_000_000; // 2027-01-15T08:00:00Z
const UNTIL = '2027-01-16T08:01:00Z';
const access = (expiresAt = NOW + 3600, { keyId = K1, sessionId } = {}) =>
  seal('access_token', { keyId, claimBytes: claims({ expiresAt, sessionId }) });

test('the access-token lifetime cap is 24 hours and 60 seconds by default', () => {
  const last = access(NOW + 86400 + 60);
  assert.equal(verifier().verify(last, { now: NOW }).expiresAt, NOW + 86460);
  assert.throws(() => verifier().verify(access(NOW + 86461), { now: NOW }), {
    reason: 'malformed', message: "malformed token: an access token expires later than this server's longest access-token lifetime",
  });
  assert.equal(reason(verifier(), access(253402300799), { now: NOW }), 'malformed');
  assert.equal(reason(verifier(), last, { now: NOW - 1 }), 'malformed');
  assert.equal(reason(verifier(), access(FAR)), 'malformed'); // at the real clock: sealed for 2100, dead now
  assert.equal(verifier().verify(access(SOON)).expiresAt, SOON);
});

test('a client key has no lifetime cap', () => {
  for (const v of [verifier(), verifier(K1, { maxAccessTtl: 1 })]) {
    assert.equal(v.verify(seal('client_key', { claimBytes: claims({ expiresAt: FAR }) })).expiresAt, FAR);
    assert.equal(v.verify(seal('client_key', { claimBytes: claims({ expiresAt: 253402300799 }) }), { now: NOW }).expiresAt, 253402300799);
  }
});

test('a lower maxAccessTtl', () => {
  for (const ttl of [3600, 3600.9]) {
    assert.equal(verifier(K1, { maxAccessTtl: ttl }).verify(access(NOW + 3660), { now: NOW }).keyId, K1);
    assert.equal(reason(verifier(K1, { maxAccessTtl: ttl }), access(NOW + 3661), { now: NOW }), 'malformed');
  }
  // Clamped to 1..86400: it can lower the cap, never raise it.
  for (const [ttl, latest] of [[0, NOW + 61], [-5, NOW + 61], [1e9, NOW + 86460], [Infinity, NOW + 86460]]) {
    assert.equal(reason(verifier(K1, { maxAccessTtl: ttl }), access(latest), { now: NOW }), 'accepted', String(ttl));
    assert.equal(reason(verifier(K1, { maxAccessTtl: ttl }), access(latest + 1), { now: NOW }), 'malformed', String(ttl));
  }
  for (const bad of ['3600', null, NaN]) assert.throws(() => verifier(K1, { maxAccessTtl: bad }), TypeError);
  const env = { CLIENT_SECRET: S1, CLIENT_KEYS: K1 };
  assert.equal(reason(Verifier.fromEnv(env, { maxAccessTtl: 60 }), access(NOW + 121), { now: NOW }), 'malformed');
  assert.match(util.inspect(verifier(K1, { maxAccessTtl: 3600 })), /maxAccessTtl: 3600/);
});

test('the cap comes after kind and expiry, before the allowlist', () => {
  const tooLong = access(NOW + 86461, { keyId: K2 });
  assert.equal(reason(verifier(), tooLong, { now: NOW }), 'malformed');
  assert.equal(reason(verifier(K1, { kinds: ['client_key'] }), tooLong, { now: NOW }), 'wrong_kind');
  assert.equal(reason(verifier(), tooLong, { now: NOW + 86461 }), 'expired');
  assert.equal(reason(verifier(K1, { revokedSessions: revokedEntry(K1) }), access(NOW + 86461), { now: NOW }), 'malformed');
});

test('one revoked session of a parent is refused, the rest accepted', () => {
  const v = verifier(`${K1}, ${K2}`, { revokedSessions: `${K1}:tab-1@${UNTIL}` });
  assert.throws(() => v.verify(access(undefined, { sessionId: 'tab-1' }), { now: NOW }), {
    reason: 'session_revoked', keyId: K1, message: `session "tab-1" of key_id ${K1} is revoked (CLIENT_REVOKED_SESSIONS)`,
  });
  assert.equal(v.verify(access(undefined, { sessionId: 'tab-2' }), { now: NOW }).sessionId, 'tab-2');
  assert.equal(v.verify(access(), { now: NOW }).sessionId, null); // the default session
  assert.equal(v.verify(seal()).keyId, K1); // the parent itself
  assert.equal(v.verify(access(undefined, { keyId: K2, sessionId: 'tab-1' }), { now: NOW }).keyId, K2);
  for (const near of ['TAB-1', 'tab-', 'tab-10']) {
    assert.equal(reason(v, access(undefined, { sessionId: near }), { now: NOW }), 'accepted', near);
  }
});

test('the default session is listed without a session id', () => {
  const v = verifier(K1, { revokedSessions: ` ,${K1.toUpperCase()}@${UNTIL},, ` });
  assert.throws(() => v.verify(access(), { now: NOW }), {
    reason: 'session_revoked',
    message: `the access tokens minted without a session id for key_id ${K1} are revoked (CLIENT_REVOKED_SESSIONS)`,
  });
  assert.equal(v.verify(access(undefined, { sessionId: 's' }), { now: NOW }).sessionId, 's');
  assert.equal(v.verify(seal()).keyId, K1); // client keys are never looked up
});

test('a listed session is refused whatever its UNTIL; the allowlist, expiry and kind come first', () => {
  assert.equal(reason(verifier(K1, { revokedSessions: `${K1}:s@1970-01-01T00:00:00Z` }), access(undefined, { sessionId: 's' }), { now: NOW }),
    'session_revoked');
  const v = verifier(K1, { revokedSessions: `${K2}:s@${UNTIL}, ${K1}:s@${UNTIL}` });
  assert.equal(reason(v, access(undefined, { keyId: K2, sessionId: 's' }), { now: NOW }), 'key_not_allowed');
  assert.equal(reason(v, access(undefined, { sessionId: 's' }), { now: NOW + 3600 }), 'expired');
  assert.equal(reason(verifier(K1, { revokedSessions: `${K1}:s@${UNTIL}`, kinds: ['client_key'] }), access(undefined, { sessionId: 's' }),
    { now: NOW }), 'wrong_kind');
});

test('escaped session ids', () => {
  const every = Array.from({ length: 0x7e - 0x20 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
  for (const session of ['a,b#c$d%e', 'q"\\', 'tab#7,a', '+plus', every.slice(0, 64), every.slice(-64), '%41', '~']) {
    const v = verifier(K1, { revokedSessions: revokedEntry(K1, session) });
    assert.equal(reason(v, access(undefined, { sessionId: session }), { now: NOW }), 'session_revoked', session);
    const other = session.length > 1 ? session.slice(0, -1) : `${session}x`;
    assert.equal(reason(v, access(undefined, { sessionId: other }), { now: NOW }), 'accepted', session);
  }
  // Escapes in either case, and escapes that were not needed.
  let v = verifier(K1, { revokedSessions: `${K1}:a%2cb%23c%24d%25%65@${UNTIL}` });
  assert.equal(reason(v, access(undefined, { sessionId: 'a,b#c$d%e' }), { now: NOW }), 'session_revoked');
  // `%2B` is a plus, never a space (and a raw `+` is not allowed: see the bad entries).
  v = verifier(K1, { revokedSessions: `${K1}:a%2Bb@${UNTIL}` });
  assert.equal(reason(v, access(undefined, { sessionId: 'a+b' }), { now: NOW }), 'session_revoked');
});

test('revoked sessions as a list of entries or a parsed list', () => {
  for (const value of [[`${K1}:s@${UNTIL}`, ' '], RevokedSessions.parse(`${K1}:s@${UNTIL}`)]) {
    assert.equal(reason(verifier(K1, { revokedSessions: value }), access(undefined, { sessionId: 's' }), { now: NOW }), 'session_revoked');
  }
  assert.equal(RevokedSessions.parse(`${K1}:s@${UNTIL}, ${K1}@${UNTIL}, ${K2}@${UNTIL}`).size, 3);
  for (const empty of [null, undefined, '', ' , ', []]) assert.equal(RevokedSessions.parse(empty).size, 0);
});

test('a bad revoked session refuses the whole list, naming its position', () => {
  for (const [entry, problem] of Object.entries({
    [K1]: 'is not of the form', [`${K1}:s`]: 'is not of the form',
    [`${K1.slice(1)}:s@${UNTIL}`]: 'has a key id', [`${K1}0@${UNTIL}`]: 'has a key id', [`xyz:s@${UNTIL}`]: 'has a key id',
    [`:s@${UNTIL}`]: 'has a key id',
    [`${K1}:@${UNTIL}`]: 'has a session id', [`${K1}:a b@${UNTIL}`]: 'has a session id', [`${K1}:a#b@${UNTIL}`]: 'has a session id',
    [`${K1}:a$b@${UNTIL}`]: 'has a session id', [`${K1}:a+b@${UNTIL}`]: 'has a session id', [`${K1}:a@b@${UNTIL}`]: 'has a session id',
    [`${K1}:a%2@${UNTIL}`]: 'has a session id', [`${K1}:a%zz@${UNTIL}`]: 'has a session id', [`${K1}:%20@${UNTIL}`]: 'has a session id',
    [`${K1}:%7F@${UNTIL}`]: 'has a session id', [`${K1}:%C3%A9@${UNTIL}`]: 'has a session id', [`${K1}:%FF@${UNTIL}`]: 'has a session id',
    [`${K1}:\u00e9@${UNTIL}`]: 'has a session id', [`${K1}:${'s'.repeat(65)}@${UNTIL}`]: 'has a session id',
    [`${K1}:${'%41'.repeat(65)}@${UNTIL}`]: 'has a session id',
    [`${K1}:s@2027-01-16`]: 'has an UNTIL time', [`${K1}:s@1800086460`]: 'has an UNTIL time', [`${K1}:s@`]: 'has an UNTIL time',
    [`${K1}:s@2027-02-29T00:00:00Z`]: 'has an UNTIL time', [`${K1}:s@2027-04-31T00:00:00Z`]: 'has an UNTIL time',
    [`${K1}:s@2027-01-01T24:00:00Z`]: 'has an UNTIL time', [`${K1}:s@2027-01-01T00:00:60Z`]: 'has an UNTIL time',
    [`${K1}:s@2027-01-16t08:01:00Z`]: 'has an UNTIL time', [`${K1}:s@2027-01-16T08:01:00z`]: 'has an UNTIL time',
    [`${K1}:s@2027-01-16T08:01:00+00:00`]: 'has an UNTIL time', [`${K1}:s@1969-12-31T23:59:59Z`]: 'has an UNTIL time',
    [`${K1}:s@\u0662027-01-16T08:01:00Z`]: 'has an UNTIL time',
  })) {
    assert.throws(() => verifier(K1, { revokedSessions: ` ${K2}@${UNTIL} ,, ${entry} , ${K1}@${UNTIL}` }), (e) => {
      assert.ok(e instanceof ConfigError, entry);
      assert.ok(e.message.startsWith(`CLIENT_REVOKED_SESSIONS entry 2 ${problem}`), `${entry}: ${e.message}`);
      assert.ok(!e.message.includes(entry), entry);
      return true;
    });
  }
  assert.equal(RevokedSessions.parse(`${K1}:s@2028-02-29T23:59:59Z,${K1}:s@9999-12-31T23:59:59Z`).size, 2);
});

test('fromEnv reads CLIENT_REVOKED_SESSIONS', () => {
  const env = { CLIENT_SECRET: S1, CLIENT_KEYS: K1, CLIENT_REVOKED_SESSIONS: `${K1}:tab%2D1@${UNTIL}` };
  const v = Verifier.fromEnv(env);
  assert.equal(reason(v, access(undefined, { sessionId: 'tab-1' }), { now: NOW }), 'session_revoked');
  assert.equal(reason(v, access(undefined, { sessionId: 'tab-2' }), { now: NOW }), 'accepted');
  assert.match(util.inspect(v), /revokedSessions: 1/);
  assert.throws(() => Verifier.fromEnv({ ...env, CLIENT_REVOKED_SESSIONS: `nope@${UNTIL}` }),
    /^ConfigError: CLIENT_REVOKED_SESSIONS entry 1 has a key id/);
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
