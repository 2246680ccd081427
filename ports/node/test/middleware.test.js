'use strict';

// The Authorization header grammar, the Express/Connect middleware (over real HTTP) and the
// Fetch API guard, as a client sees them.

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const { Verifier, VerifiedKey, bearerToken, middleware, verifyRequest } = require('..');
const { S1, S2, K1, K2, SOON, claims, seal, revokedEntry } = require('./helpers');

const GOOD = seal('client_key', { claimBytes: claims({ scopes: ['read'] }) });
const INVALID_TOKEN = [401, 'Bearer realm="api", error="invalid_token"', { error: 'invalid_token' }];
const NO_CREDENTIALS = [401, 'Bearer realm="api"', { error: 'unauthorized' }];
const invalidRequest = (description) => [400, `Bearer realm="api", error="invalid_request", error_description="${description}"`,
  { error: 'invalid_request', error_description: description }];
const verifier = new Verifier({ secret: S1, clientKeys: K1 });

test('bearer token grammar', () => {
  for (const value of ['Bearer ckey_x', 'bearer ckey_x', 'BEARER ckey_x', 'Bearer   ckey_x', ' Bearer ckey_x\t']) {
    assert.equal(bearerToken(value), 'ckey_x');
  }
  assert.equal(bearerToken('Bearer abc=='), 'abc==');
  for (const value of ['', 'Basic dXNlcjpwYXNz', 'Digest a=b', 'Bearerx abc', 'Token abc']) {
    assert.throws(() => bearerToken(value), { reason: 'not_bearer' });
  }
  for (const [value, description] of Object.entries({
    Bearer: 'the Bearer scheme has no token', 'Bearer ': 'the Bearer scheme has no token',
    'Bearer a b': 'more than one token after Bearer', 'Bearer\tabc': 'a tab in the Authorization header',
    'Bearer a\tb': 'a tab in the Authorization header', 'Bearer a\u0000b': 'a control character in the Authorization header',
    'Bearer cl\u00e9': 'a non-ASCII character in the Authorization header', 'Bearer a,b': 'the Bearer token is not a b64token',
    'Bearer ===': 'the Bearer token is not a b64token', 'Bearer a=b': 'the Bearer token is not a b64token',
    'Be@rer abc': 'the authorization scheme is not a valid token',
  })) {
    assert.throws(() => bearerToken(value), { reason: 'invalid_header', description }, value);
  }
  assert.throws(() => bearerToken(`Bearer ${'a'.repeat(513)}`), { message: 'malformed token: token is too long' });
});

/** A server with the middleware in front of a handler that echoes the key id; its log lines. */
async function withServer(options, body) {
  const log = [];
  const logger = { warn: (line) => log.push(line), debug: (line) => log.push(line) };
  const guard = middleware({ verifier, logger, ...options });
  const server = http.createServer((req, res) => guard(req, res, () => res.end(req.clientKey.keyId)));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body(server.address().port, log);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Sends raw header lines (any bytes) and parses the answer. */
function rawRequest(port, headerLines) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head, responseBody] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 2)]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: responseBody });
    });
    const head = ['GET /apps?q=1 HTTP/1.1', 'Host: localhost', 'Connection: close', ...headerLines].join('\r\n');
    socket.end(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1')]));
  });
}

async function check(port, headerLines, expected, log) {
  const response = await rawRequest(port, headerLines);
  if (typeof expected === 'number') {
    assert.deepEqual([response.status, response.body], [expected, K1]);
  } else {
    assert.equal(response.status, expected[0], headerLines.join());
    assert.equal(response.headers['www-authenticate'], expected[1]);
    assert.equal(response.headers['content-type'], 'application/json');
    assert.equal(Number(response.headers['content-length']), Buffer.byteLength(response.body));
    assert.equal(response.body, JSON.stringify(expected[2]));
  }
  for (const line of log) assert.ok(!line.includes(GOOD.slice(5)), line);
}

test('Express/Connect middleware over HTTP', async () => {
  await withServer({}, async (port, log) => {
    await check(port, [`Authorization: Bearer ${GOOD}`], 200, log);
    assert.match(log.at(-1), new RegExp(`client key accepted: key_id=${K1} kind=client_key name=null method=GET path=/apps$`));
    await check(port, [`authorization: bearer   ${GOOD}\t`], 200, log);
    await check(port, [`Authorization: Bearer ${seal('access_token', { claimBytes: claims({ expiresAt: SOON }) })}`], 200, log);
    await check(port, [], NO_CREDENTIALS, log);
    assert.equal(log.at(-1), 'client-keys: request refused: status=401 error=null reason=no Authorization header key_id=null method=GET path=/apps');
    await check(port, ['Authorization: Basic dXNlcjpwYXNz'], NO_CREDENTIALS, log);
    await check(port, ['Authorization: Bearer'], invalidRequest('the Bearer scheme has no token'), log);
    await check(port, [`Authorization: Bearer ${GOOD} x`], invalidRequest('more than one token after Bearer'), log);
    await check(port, [`Authorization: Bearer ${GOOD}\u00e9`], invalidRequest('a character outside visible ASCII in the Authorization header'), log);
    await check(port, [`Authorization: Bearer ${GOOD}`, `Authorization: Bearer ${GOOD}`], invalidRequest('more than one Authorization header'), log);
    const bad = {
      forged: GOOD.slice(0, -3) + (GOOD.endsWith('AAA') ? 'BBB' : 'AAA'),
      expired: seal('client_key', { claimBytes: claims({ expiresAt: 1_000_000_000 }) }),
      key_not_allowed: seal('client_key', { keyId: K2 }),
      unknown_secret: seal('client_key', { secret: S2 }),
      malformed: `ckey_${'A'.repeat(600)}`,
    };
    for (const [why, token] of Object.entries(bad)) {
      await check(port, [`Authorization: Bearer ${token}`], INVALID_TOKEN, log);
      assert.match(log.at(-1), /status=401 error=invalid_token reason=/, why);
      assert.ok(!log.at(-1).includes(token.slice(5)), why);
    }
    assert.ok(log.some((line) => line.includes(`expired at 1000000000 (unix time) key_id=${K1}`)));
  });
  await withServer({ scope: 'write', realm: 'my api' }, async (port, log) => {
    await check(port, [`Authorization: Bearer ${GOOD}`], [403, 'Bearer realm="my api", error="insufficient_scope", scope="write"',
      { error: 'insufficient_scope', scope: 'write' }], log);
    assert.match(log.at(-1), new RegExp(`status=403 error=insufficient_scope reason=the key does not have the required scope key_id=${K1}`));
  });
  await withServer({ scope: 'read' }, async (port, log) => check(port, [`Authorization: Bearer ${GOOD}`], 200, log));
  assert.throws(() => middleware({ verifier, scope: 'read write' }), TypeError);
  assert.throws(() => middleware({ verifier, realm: 'a"b' }), TypeError);
  assert.throws(() => middleware({}), TypeError);
});

test('a revoked session, or an access token living too long, gets the same 401 and its reason in the log', async () => {
  const revoking = new Verifier({ secret: S1, clientKeys: K1, revokedSessions: revokedEntry(K1, 'tab-1') });
  await withServer({ verifier: revoking }, async (port, log) => {
    const revoked = seal('access_token', { claimBytes: claims({ expiresAt: SOON, sessionId: 'tab-1' }) });
    await check(port, [`Authorization: Bearer ${revoked}`], INVALID_TOKEN, log);
    assert.ok(log.at(-1).includes(`reason=session "tab-1" of key_id ${K1} is revoked (CLIENT_REVOKED_SESSIONS) key_id=${K1}`), log.at(-1));
    await check(port, [`Authorization: Bearer ${seal('access_token', { claimBytes: claims({ expiresAt: SOON, sessionId: 'tab-2' }) })}`], 200, log);
    await check(port, [`Authorization: Bearer ${GOOD}`], 200, log);
    const tooLong = seal('access_token', { claimBytes: claims({ expiresAt: SOON + 86400 }) });
    await check(port, [`Authorization: Bearer ${tooLong}`], INVALID_TOKEN, log);
    assert.match(log.at(-1), /reason=malformed token: an access token expires later than/);
  });
});

test('Fetch API: verifyRequest returns the key or the Response', async () => {
  const log = [];
  const options = { verifier, logger: { warn: (line) => log.push(line), debug: () => {} } };
  const request = (value) => new Request('http://localhost/apps?q=1', value === undefined ? {} : { headers: { authorization: value } });
  const key = verifyRequest(request(`Bearer ${GOOD}`), options);
  assert.ok(key instanceof VerifiedKey);
  assert.equal(key.keyId, K1);
  for (const [value, expected, more] of [
    [undefined, NO_CREDENTIALS], ['Basic x', NO_CREDENTIALS], ['Bearer a b', invalidRequest('more than one token after Bearer')],
    [`Bearer ${seal('client_key', { keyId: K2 })}`, INVALID_TOKEN],
    [`Bearer ${GOOD}`, [403, 'Bearer realm="api", error="insufficient_scope", scope="write"', { error: 'insufficient_scope', scope: 'write' }],
      { scope: 'write' }],
  ]) {
    const response = verifyRequest(request(value), { ...options, ...more });
    assert.ok(response instanceof Response);
    assert.equal(response.status, expected[0]);
    assert.equal(response.headers.get('www-authenticate'), expected[1]);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(await response.text(), JSON.stringify(expected[2]));
  }
  assert.equal(log.length, 5);
  assert.match(log[0], /path=\/apps$/);
});
