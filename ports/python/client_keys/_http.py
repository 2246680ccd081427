"""What the WSGI and ASGI middleware share: reading the header, the RFC 6750 answers, the log.

The answers are those of the Rust crate's `ClientKeyLayer` and `RequireScope`, byte for byte:

| request | status | WWW-Authenticate | body |
| --- | --- | --- | --- |
| no Authorization, or another scheme | 401 | `Bearer realm="api"` | `{"error":"unauthorized"}` |
| malformed header | 400 | `…, error="invalid_request", error_description="…"` | `{"error":"invalid_request","error_description":"…"}` |
| a token that does not verify, whatever the cause | 401 | `…, error="invalid_token"` | `{"error":"invalid_token"}` |
| the key lacks the required scope | 403 | `…, error="insufficient_scope", scope="…"` | `{"error":"insufficient_scope","scope":"…"}` |
"""

import json
import logging

from .authorization import bearer_token
from .claims import is_scope
from .errors import INVALID_HEADER, NOT_BEARER, VerifyError

LOGGER = logging.getLogger("client_keys")
STATUS_TEXT = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}


def check_realm(realm):
    if not all(" " <= c <= "~" and c not in "\"\\" for c in realm):
        raise ValueError("the realm must be printable ASCII without `\"` or `\\`")
    return realm


def check_scope(scope):
    if scope is not None and not is_scope(scope.encode()):
        raise ValueError("a required scope must be 1 to 32 visible ASCII characters without "
                         "space, comma, `\"` or `\\`")
    return scope


class MiddlewareBase:
    """What the WSGI and ASGI middleware share: the wrapped app, the verifier, the checked
    required scope and realm, and the logger."""

    def __init__(self, app, verifier, required_scope=None, realm="api", logger=LOGGER):
        self.app = app
        self.verifier = verifier
        self.required_scope = check_scope(required_scope)
        self.realm = check_realm(realm)
        self.logger = logger


class Refusal:
    """Why a request was refused: what the caller is told, and what the log says."""

    def __init__(self, status, code, reason, key_id=None, description=None, scope=None):
        self.status = status
        self.code = code                # the RFC 6750 error code, None for "no credentials"
        self.reason = reason            # for the log only
        self.key_id = key_id            # for the log only: known when the token decrypted
        self.description = description  # of the header's syntax, for invalid_request
        self.scope = scope              # for insufficient_scope

    def headers(self, realm):
        """Response headers: (name, value) pairs, lower-case names."""
        params = [("error", self.code), ("error_description", self.description),
                  ("scope", self.scope)]
        challenge = f'Bearer realm="{realm}"' + "".join(
            f', {name}="{value}"' for name, value in params if value is not None)
        return [("content-type", "application/json"), ("www-authenticate", challenge),
                ("content-length", str(len(self.content())))]

    def content(self):
        body = {"error": self.code or "unauthorized", "error_description": self.description,
                "scope": self.scope}
        return json.dumps({k: v for k, v in body.items() if v is not None},
                          separators=(",", ":"), sort_keys=True).encode()

    def log(self, logger, method, path):
        logger.warning("request refused: status=%d error=%s reason=%s key_id=%s method=%s path=%s",
                       self.status, self.code, self.reason, self.key_id, method, path)


def _header_problem(why):
    return Refusal(400, "invalid_request", f"malformed Authorization header: {why}", description=why)


def authenticate(verifier, values, required_scope=None):
    """The verified key of a request whose Authorization header values are `values` (str or
    bytes each, as received), or a Refusal: returns (key, None) or (None, refusal)."""
    if not values:
        return None, Refusal(401, None, "no Authorization header")
    if len(values) > 1:
        return None, _header_problem("more than one Authorization header")
    value = values[0].decode("latin-1") if isinstance(values[0], bytes) else values[0]
    if not all(c == "\t" or " " <= c <= "~" for c in value):
        return None, _header_problem("a character outside visible ASCII in the Authorization header")
    try:
        key = verifier.verify(bearer_token(value))
    except VerifyError as e:
        if e.reason == NOT_BEARER:
            return None, Refusal(401, None, str(e))
        if e.reason == INVALID_HEADER:
            return None, Refusal(400, "invalid_request", str(e), description=e.description)
        return None, Refusal(401, "invalid_token", str(e), key_id=e.key_id)
    if required_scope is not None and not key.has_scope(required_scope):
        return None, Refusal(403, "insufficient_scope", "the key does not have the required scope",
                             key_id=key.key_id, scope=required_scope)
    return key, None


def log_accepted(logger, key, method, path):
    logger.debug("client key accepted: key_id=%s kind=%s name=%r method=%s path=%s",
                 key.key_id, key.kind, key.name, method, path)
