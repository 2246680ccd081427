'use strict';

// Middleware for Express/Connect (`req, res, next`) and for the Fetch API (`Request` → `Response`).
//
// The answers are those of the Rust crate's `ClientKeyLayer` and `RequireScope`, byte for byte:
//
//   no Authorization, or another scheme  401  WWW-Authenticate: Bearer realm="api"   {"error":"unauthorized"}
//   malformed header                     400  …, error="invalid_request", error_description="…"
//   a token that does not verify         401  …, error="invalid_token"  (the same for every cause)
//   the key lacks the required scope     403  …, error="insufficient_scope", scope="…"

const { bearerToken } = require('./authorization');
const { isScope } = require('./claims');
const { VerifyError } = require('./errors');
const { Verifier } = require('./verifier');

/** Refusals are logged at warn; accepted requests at debug, which is off unless you pass a logger. */
const DEFAULT_LOGGER = { warn: (line) => console.warn(line), debug: () => {} };

function checkOptions({ verifier, scope = null, realm = 'api', logger = DEFAULT_LOGGER } = {}) {
  if (!(verifier instanceof Verifier)) throw new TypeError('options.verifier must be a Verifier (Verifier.fromEnv())');
  if (!/^[ !#-[\]-~]*$/.test(realm)) throw new TypeError('the realm must be printable ASCII without `"` or `\\`');
  if (scope !== null && !isScope(Buffer.from(scope))) {
    throw new TypeError('a required scope must be 1 to 32 visible ASCII characters without space, comma, `"` or `\\`');
  }
  return { verifier, scope, realm, logger };
}

/**
 * The verified key of a request whose Authorization header values are `values`, or a refusal:
 * `{ key }` or `{ refusal: { status, code, reason, keyId, params } }`.
 */
function authenticate({ verifier, scope }, values) {
  if (values.length === 0) return { refusal: { status: 401, code: null, reason: 'no Authorization header' } };
  if (values.length > 1) return headerProblem('more than one Authorization header');
  if (/[^\t\x20-\x7e]/.test(values[0])) return headerProblem('a character outside visible ASCII in the Authorization header');
  let key;
  try {
    key = verifier.verify(bearerToken(values[0]));
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    if (e.reason === 'not_bearer') return { refusal: { status: 401, code: null, reason: e.message } };
    if (e.reason === 'invalid_header') {
      return { refusal: { status: 400, code: 'invalid_request', reason: e.message, params: { error_description: e.description } } };
    }
    return { refusal: { status: 401, code: 'invalid_token', reason: e.message, keyId: e.keyId } };
  }
  if (scope !== null && !key.hasScope(scope)) {
    return { refusal: { status: 403, code: 'insufficient_scope', reason: 'the key does not have the required scope',
      keyId: key.keyId, params: { scope } } };
  }
  return { key };
}

function headerProblem(why) {
  return { refusal: { status: 400, code: 'invalid_request', reason: `malformed Authorization header: ${why}`,
    params: { error_description: why } } };
}

/** The answer to a refusal: status, headers (lower-case names) and the JSON body. */
function answer(refusal, realm) {
  const params = refusal.code === null ? {} : { error: refusal.code, ...refusal.params };
  const challenge = Object.entries(params).reduce((text, [name, value]) => `${text}, ${name}="${value}"`,
    `Bearer realm="${realm}"`);
  const body = JSON.stringify({ error: refusal.code ?? 'unauthorized', ...refusal.params });
  return {
    status: refusal.status,
    headers: { 'content-type': 'application/json', 'www-authenticate': challenge,
      'content-length': String(Buffer.byteLength(body)) },
    body,
  };
}

function logRefusal(logger, refusal, method, path) {
  logger.warn(`client-keys: request refused: status=${refusal.status} error=${refusal.code} reason=${refusal.reason} ` +
    `key_id=${refusal.keyId ?? null} method=${method} path=${path}`);
}

function logAccepted(logger, key, method, path) {
  logger.debug(`client-keys: client key accepted: key_id=${key.keyId} kind=${key.kind} name=${JSON.stringify(key.name)} ` +
    `method=${method} path=${path}`);
}

/**
 * Express/Connect middleware: a request with a valid `Authorization: Bearer <token>` goes on to
 * `next()` with the VerifiedKey in `req.clientKey` (and `res.locals.clientKey` under Express);
 * any other gets the RFC 6750 answer and one `logger.warn` line saying why (never the token).
 *
 * Options: `verifier` (required), `scope` (required of every key), `realm` ('api'), `logger`
 * (an object with `warn` and `debug`; default: console.warn for refusals, no debug).
 */
function middleware(options) {
  const config = checkOptions(options);
  return function clientKeys(req, res, next) {
    const values = [];
    if (req.rawHeaders) { // req.headers keeps only the first of repeated Authorization headers
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i].toLowerCase() === 'authorization') values.push(req.rawHeaders[i + 1]);
      }
    } else if (req.headers.authorization !== undefined) {
      values.push(req.headers.authorization);
    }
    const path = (req.originalUrl ?? req.url ?? '').split('?')[0];
    const { key, refusal } = authenticate(config, values);
    if (refusal) {
      logRefusal(config.logger, refusal, req.method, path);
      const { status, headers, body } = answer(refusal, config.realm);
      res.writeHead(status, headers);
      res.end(body);
      return;
    }
    logAccepted(config.logger, key, req.method, path);
    req.clientKey = key;
    if (res.locals) res.locals.clientKey = key;
    next();
  };
}

/**
 * For the Fetch API (Hono, Next.js route handlers, Cloudflare-style `fetch(request)` servers):
 * the VerifiedKey of `request`, or the `Response` to answer it with. Same options as
 * `middleware`. Fetch joins repeated headers into one value, which is then malformed: a 400.
 */
function verifyRequest(request, options) {
  const config = checkOptions(options);
  const value = request.headers.get('authorization');
  const path = new URL(request.url, 'http://localhost').pathname;
  const { key, refusal } = authenticate(config, value === null ? [] : [value]);
  if (refusal) {
    logRefusal(config.logger, refusal, request.method, path);
    const { status, headers, body } = answer(refusal, config.realm);
    return new Response(body, { status, headers });
  }
  logAccepted(config.logger, key, request.method, path);
  return key;
}

module.exports = { middleware, verifyRequest };
