"""Verifying client keys (`ckey_…`) and access tokens (`ckat_…`), format v1 (docs/FORMAT.md)."""

import base64
import datetime
import os
import re
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional, Tuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import claims as _claims
from ._entries import WHITESPACE as _WHITESPACE, entries as _entries
from .authorization import bearer_token
from .errors import (EXPIRED, FORGED, KEY_NOT_ALLOWED, SESSION_REVOKED, UNKNOWN_SECRET, WRONG_KIND,
                     ConfigError, VerifyError, malformed)
from .revoked import RevokedSessions

CLIENT_KEY = "client_key"
ACCESS_TOKEN = "access_token"

MAX_TOKEN_LEN = 512
# The longest lifetime of an access token, in seconds: a verifier refuses one that expires later
# than `now + MAX_ACCESS_TTL + CLOCK_SKEW` (or its own lower `max_access_ttl`), whoever sealed it.
MAX_ACCESS_TTL = 24 * 3600
# How far ahead of this server's clock the minting server's clock may be, in seconds.
CLOCK_SKEW = 60
_PREFIXES = {b"ckey_": (CLIENT_KEY, 0x01), b"ckat_": (ACCESS_TOKEN, 0x02)}
_KIND_TEXT = {CLIENT_KEY: "client key", ACCESS_TOKEN: "access token"}
_MIN_BODY_LEN = 6 + 12 + 16 + 16  # header, nonce, key id, tag
_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")

_SALT = b"client-keys/v1"
_LABELS = {
    "secret_id": b"client-keys/v1 secret-id",
    CLIENT_KEY: b"client-keys/v1 client-key aes-256-gcm",
    ACCESS_TOKEN: b"client-keys/v1 access-token aes-256-gcm",
}

_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class VerifiedKey:
    """A key that passed `Verifier.verify`. For an access token, `key_id` is its parent's."""

    key_id: str
    kind: str
    name: Optional[str] = None
    scopes: Tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    expires_at: Optional[int] = None
    session_id: Optional[str] = None

    def has_scope(self, scope):
        return scope in self.scopes


class _SecretKeys:
    """What is derived from one secret (the secret itself is not kept)."""

    __slots__ = ("id", "ciphers")

    def __init__(self, secret):
        def derive(label, length=32):
            return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT,
                        info=label).derive(secret)

        self.id = derive(_LABELS["secret_id"], 4)
        self.ciphers = {kind: AESGCM(derive(_LABELS[kind])) for kind in (CLIENT_KEY, ACCESS_TOKEN)}


class Verifier:
    """Verifies tokens against CLIENT_SECRET (and previous secrets) and the CLIENT_KEYS allowlist.

    `client_secret` is the 64-hex-character text of CLIENT_SECRET; `client_keys` the text of
    CLIENT_KEYS (or a list of key ids); `previous_secrets` the text of CLIENT_SECRET_PREVIOUS
    (or a list); `kinds` the kinds of token `verify` accepts (both by default);
    `revoked_sessions` the text of CLIENT_REVOKED_SESSIONS (or a list of its entries, or a
    RevokedSessions), whose access tokens are refused as `session_revoked`; `max_access_ttl`
    the longest access-token lifetime your token endpoint grants (seconds or a timedelta):
    access tokens expiring more than that (plus CLOCK_SKEW) after now are refused as
    `malformed`. It can only lower MAX_ACCESS_TTL, which applies by default (clamped to
    1 s .. 24 h).
    """

    def __init__(self, client_secret, client_keys, previous_secrets=None,
                 kinds=(CLIENT_KEY, ACCESS_TOKEN), revoked_sessions=None,
                 max_access_ttl=MAX_ACCESS_TTL):
        keyring = [_SecretKeys(_parse_secret(client_secret, "CLIENT_SECRET"))]
        for i, entry in enumerate(_entries(previous_secrets or ())):
            keyring.append(_SecretKeys(_parse_secret(entry, f"CLIENT_SECRET_PREVIOUS entry {i + 1}")))
        if client_keys is None:
            raise ConfigError("CLIENT_KEYS is not set: add `CLIENT_KEYS=` (comma-separated key ids) "
                              "to the environment; an empty value refuses every key")
        unknown = set(kinds) - set(_KIND_TEXT)
        if unknown:
            raise ValueError(f"unknown token kinds {sorted(unknown)}: use {CLIENT_KEY!r}, {ACCESS_TOKEN!r}")
        self._keyring = keyring
        # Other entries (such as `another-key` of older deployments) can never match a token.
        self._allowlist = frozenset(e.lower() for e in _entries(client_keys)
                                    if len(e) == 32 and set(e) <= _HEX)
        self._kinds = frozenset(kinds)
        self._revoked = (revoked_sessions if isinstance(revoked_sessions, RevokedSessions)
                         else RevokedSessions.parse(revoked_sessions))
        self._max_access_ttl = _clamp_ttl(max_access_ttl)

    @classmethod
    def from_env(cls, environ=None, kinds=(CLIENT_KEY, ACCESS_TOKEN), max_access_ttl=MAX_ACCESS_TTL):
        """Reads CLIENT_SECRET, CLIENT_SECRET_PREVIOUS (optional), CLIENT_KEYS and
        CLIENT_REVOKED_SESSIONS (optional). `kinds` and `max_access_ttl` are policy, from code."""
        env = os.environ if environ is None else environ
        values = {}
        for name in ("CLIENT_SECRET", "CLIENT_SECRET_PREVIOUS", "CLIENT_KEYS", "CLIENT_REVOKED_SESSIONS"):
            value = env.get(name)
            if value is not None and any("\udc80" <= c <= "\udcff" for c in value):
                raise ConfigError(f"{name} is not valid UTF-8: set it again as plain text")
            values[name] = value
        if values["CLIENT_SECRET"] is None:
            raise ConfigError("CLIENT_SECRET is not set: create one with `issue-client-key secret` "
                              "and put it in the environment")
        return cls(values["CLIENT_SECRET"], values["CLIENT_KEYS"],
                   previous_secrets=values["CLIENT_SECRET_PREVIOUS"], kinds=kinds,
                   revoked_sessions=values["CLIENT_REVOKED_SESSIONS"], max_access_ttl=max_access_ttl)

    def verify(self, token, now=None):
        """Returns the VerifiedKey of `token`, or raises VerifyError saying why not.

        The checks, in this order (docs/FORMAT.md, "Verifying"), each only if all before passed:
        length (before anything proportional to the input), prefix, strict base64url, body size,
        version and kind byte, secret id, AES-GCM, key id and claims (canonical, per-kind rules),
        accepted kind, expiry (`now >= expires_at`; `now` in unix seconds, default the clock)
        and for an access token its lifetime (`expires_at > now + max_access_ttl + CLOCK_SKEW`
        is malformed), the allowlist (for an access token, its parent's key id), and for an
        access token CLIENT_REVOKED_SESSIONS (its parent and session id, or none).
        """
        if len(token) > MAX_TOKEN_LEN:
            raise malformed("token is too long")
        text = token.encode("utf-8", "surrogatepass") if isinstance(token, str) else bytes(token)
        if len(text) > MAX_TOKEN_LEN:
            raise malformed("token is too long")
        if len(text) < 5:
            raise malformed("token is too short")
        if text[:5] not in _PREFIXES:
            raise malformed("unknown token prefix")
        kind, kind_byte = _PREFIXES[text[:5]]
        body = _decode_base64url(text[5:])
        if len(body) < _MIN_BODY_LEN:
            raise malformed("token is too short")
        if body[0] != 0x01:
            raise malformed("unsupported token version")
        if body[1] != kind_byte:
            raise malformed("token kind does not match its prefix")
        plaintext = self._decrypt(kind, text[:5] + body[:6], body)
        key_id = plaintext[:16].hex()
        try:
            claims = _claims.decode(plaintext[16:])
        except _claims.ClaimsError as e:
            raise malformed(str(e)) from None
        _check_kind_rules(kind, claims)
        if kind not in self._kinds:
            raise VerifyError(WRONG_KIND, f"a {_KIND_TEXT[kind]} (key_id {key_id}) is not accepted here",
                              key_id)
        if claims.expires_at is not None:
            now = int(time.time()) if now is None else now
            if now >= claims.expires_at:
                raise VerifyError(EXPIRED, f"token of key_id {key_id} expired at {claims.expires_at} "
                                           "(unix time)", key_id)
            if kind == ACCESS_TOKEN and claims.expires_at > now + self._max_access_ttl + CLOCK_SKEW:
                raise malformed("an access token expires later than this server's longest "
                                "access-token lifetime")
        if key_id not in self._allowlist:
            raise VerifyError(KEY_NOT_ALLOWED, f"key_id {key_id} is not in CLIENT_KEYS (revoked or "
                                               "never added)", key_id)
        if kind == ACCESS_TOKEN and self._revoked.contains(key_id, claims.session_id):
            raise _session_revoked(key_id, claims.session_id)
        return VerifiedKey(key_id=key_id, kind=kind, name=claims.name, scopes=tuple(claims.scopes),
                           metadata=MappingProxyType(claims.metadata),
                           expires_at=claims.expires_at, session_id=claims.session_id)

    def verify_authorization(self, header_value, now=None):
        """Verifies the value of an Authorization header (`Bearer <token>`)."""
        return self.verify(bearer_token(header_value), now=now)

    def accepts(self, kind):
        return kind in self._kinds

    def _decrypt(self, kind, aad, body):
        """Opens the body with each configured secret whose id it names."""
        candidates = [keys for keys in self._keyring if keys.id == body[2:6]]
        if not candidates:
            raise VerifyError(UNKNOWN_SECRET, "token was minted under a secret this server does not "
                                              "have (an old secret no longer in "
                                              "CLIENT_SECRET_PREVIOUS, or another deployment's)")
        for keys in candidates:  # a 4-byte id can collide between two secrets: try each
            try:
                return keys.ciphers[kind].decrypt(body[6:18], body[18:], aad)
            except InvalidTag:
                continue
        raise VerifyError(FORGED, "token does not decrypt: tampered with or forged")

    def __repr__(self):
        ids = [keys.id.hex() for keys in self._keyring]
        return (f"Verifier(secret_ids={ids}, client_keys={len(self._allowlist)}, "
                f"kinds={sorted(self._kinds)}, revoked_sessions={len(self._revoked)}, "
                f"max_access_ttl={self._max_access_ttl})")


def _clamp_ttl(value):
    """Whole seconds of `value` (a number or a timedelta), clamped to 1 .. MAX_ACCESS_TTL."""
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("max_access_ttl is a number of seconds or a datetime.timedelta")
    return int(min(max(value, 1), MAX_ACCESS_TTL))


def _session_revoked(key_id, session_id):
    if session_id is None:
        message = (f"the access tokens minted without a session id for key_id {key_id} are "
                   "revoked (CLIENT_REVOKED_SESSIONS)")
    else:  # quoted as Rust's `{:?}` does: visible ASCII needs only `"` and `\` escaped
        quoted = '"' + session_id.replace("\\", "\\\\").replace('"', '\\"') + '"'
        message = f"session {quoted} of key_id {key_id} is revoked (CLIENT_REVOKED_SESSIONS)"
    return VerifyError(SESSION_REVOKED, message, key_id)


def _decode_base64url(text):
    """Strict base64url: no padding, only the alphabet, and zero unused bits."""
    if len(text) % 4 == 1 or not _BASE64URL.fullmatch(text):
        raise malformed("token is not canonical base64url")
    body = base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    if base64.urlsafe_b64encode(body).rstrip(b"=") != text:
        raise malformed("token is not canonical base64url")
    return body


def _check_kind_rules(kind, claims):
    if kind == CLIENT_KEY and claims.session_id is not None:
        raise malformed("a client key carries a session id")
    if kind == ACCESS_TOKEN and claims.expires_at is None:
        raise malformed("an access token has no expiry")
    if kind == ACCESS_TOKEN and (claims.name is not None or claims.metadata):
        raise malformed("an access token carries a name or metadata")


def _parse_secret(text, variable):
    """The 32 bytes of a secret's 64 hex characters; the error never repeats the value."""
    if not isinstance(text, str):
        raise TypeError(f"{variable} must be a str")
    if text == "":
        problem = "is empty"
    elif text.strip(_WHITESPACE) != text:
        problem = "has whitespace around it"
    elif len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        problem = "is wrapped in quotes that are part of the value"
    elif len(text) != 64:
        problem = f"is {len(text)} characters long"
    elif not set(text) <= _HEX:
        position = next(i for i, c in enumerate(text) if c not in _HEX) + 1
        problem = f"has a character that is not hexadecimal at position {position}"
    else:
        return bytes.fromhex(text)
    raise ConfigError(f"{variable} {problem}; it must be exactly 64 hexadecimal characters "
                      "(32 bytes), unquoted: make one with `issue-client-key secret`")
