'use strict';

// The `Authorization: Bearer` header (RFC 6750 §2.1, RFC 7235), read exactly as the Rust crate does.

const { VerifyError } = require('./errors');

const MAX_TOKEN_LEN = 512;
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const B64TOKEN = /^[-._~+/0-9A-Za-z]$/;

/**
 * The token of an Authorization header value, or throws a VerifyError.
 *
 * `credentials = auth-scheme 1*SP token68`, the scheme in any case, spaces and tabs around the
 * value tolerated. Another scheme (or an empty value) is 'not_bearer' (answer 401 with a bare
 * challenge); `Bearer` with no token, two tokens, a tab, a control or non-ASCII character is
 * 'invalid_header' (400 invalid_request); a token longer than 512 is 'malformed' (401).
 */
function bearerToken(headerValue) {
  // One character per byte, so that lengths and positions are those of the bytes.
  const value = Buffer.from(headerValue).toString('latin1').replace(/^[ \t]+|[ \t]+$/g, '');
  const space = value.indexOf(' ');
  const scheme = space < 0 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    const bad = [...scheme].find((c) => !TCHAR.test(c));
    if (bad === undefined) throw new VerifyError('not_bearer', 'no bearer token in the Authorization header');
    throw VerifyError.invalidHeader(describe(bad, 'the authorization scheme is not a valid token'));
  }
  const token = space < 0 ? '' : value.slice(space + 1).replace(/^ +/, '');
  if (token === '') throw VerifyError.invalidHeader('the Bearer scheme has no token');
  if (token.length > MAX_TOKEN_LEN) throw VerifyError.malformed('token is too long');
  const body = token.replace(/=+$/, '');
  if (body === '') throw VerifyError.invalidHeader('the Bearer token is not a b64token');
  const bad = [...body].find((c) => !B64TOKEN.test(c));
  if (bad === ' ') throw VerifyError.invalidHeader('more than one token after Bearer');
  if (bad !== undefined) throw VerifyError.invalidHeader(describe(bad, 'the Bearer token is not a b64token'));
  return token;
}

function describe(bad, otherwise) {
  const byte = bad.charCodeAt(0);
  if (byte === 0x09) return 'a tab in the Authorization header';
  if (byte < 0x20 || byte === 0x7f) return 'a control character in the Authorization header';
  if (byte >= 0x80) return 'a non-ASCII character in the Authorization header';
  return otherwise;
}

module.exports = { bearerToken };
