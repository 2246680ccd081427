"""Verify client keys (`ckey_…`) and access tokens (`ckat_…`) of client-keys format v1.

    from client_keys import Verifier, VerifyError

    verifier = Verifier.from_env()          # CLIENT_SECRET, CLIENT_SECRET_PREVIOUS, CLIENT_KEYS,
                                            # CLIENT_REVOKED_SESSIONS
    try:
        key = verifier.verify(token)
    except VerifyError as e:
        log.warning("refused: %s", e)       # e.reason: malformed, expired, ... never the token
    else:
        key.key_id, key.scopes, key.metadata

Middleware: `client_keys.wsgi.ClientKeyMiddleware`, `client_keys.asgi.ClientKeyMiddleware`.
"""

from .authorization import bearer_token
from .errors import (EXPIRED, FORGED, INVALID_HEADER, KEY_NOT_ALLOWED, MALFORMED, NOT_BEARER,
                     SESSION_REVOKED, UNKNOWN_SECRET, WRONG_KIND, ConfigError, VerifyError)
from .revoked import RevokedSessions
from .verifier import (ACCESS_TOKEN, CLIENT_KEY, CLOCK_SKEW, MAX_ACCESS_TTL, MAX_TOKEN_LEN,
                       VerifiedKey, Verifier)

__all__ = [
    "Verifier", "VerifiedKey", "VerifyError", "ConfigError", "RevokedSessions", "bearer_token",
    "CLIENT_KEY", "ACCESS_TOKEN", "MAX_TOKEN_LEN", "MAX_ACCESS_TTL", "CLOCK_SKEW",
    "MALFORMED", "UNKNOWN_SECRET", "FORGED", "WRONG_KIND", "EXPIRED", "KEY_NOT_ALLOWED",
    "SESSION_REVOKED", "NOT_BEARER", "INVALID_HEADER",
]
