'use strict';

// Verify client keys (`ckey_…`) and access tokens (`ckat_…`) of client-keys format v1.
//
//   const { Verifier, middleware } = require('client-keys');
//   const verifier = Verifier.fromEnv();        // CLIENT_SECRET, CLIENT_SECRET_PREVIOUS, CLIENT_KEYS,
//                                               // CLIENT_REVOKED_SESSIONS
//   app.use(middleware({ verifier }));          // req.clientKey

const { ConfigError, VerifyError } = require('./errors');
const { Verifier, VerifiedKey, CLIENT_KEY, ACCESS_TOKEN, MAX_TOKEN_LEN, MAX_ACCESS_TTL, CLOCK_SKEW } = require('./verifier');
const { RevokedSessions } = require('./revoked');
const { bearerToken } = require('./authorization');
const { middleware, verifyRequest } = require('./http');

module.exports = {
  Verifier, VerifiedKey, VerifyError, ConfigError, RevokedSessions, bearerToken, middleware, verifyRequest,
  CLIENT_KEY, ACCESS_TOKEN, MAX_TOKEN_LEN, MAX_ACCESS_TTL, CLOCK_SKEW,
};
