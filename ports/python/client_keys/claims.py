"""The canonical claims encoding of docs/FORMAT.md: `tag (1) || length (1) || value`."""

import re

TAG_EXPIRES_AT, TAG_NAME, TAG_SCOPE, TAG_METADATA, TAG_SESSION_ID = 1, 2, 3, 4, 5
MAX_NAME_LEN = 64
MAX_SCOPE_LEN = 32
MAX_SCOPES = 16
MAX_METADATA_VALUE_LEN = 128
MAX_METADATA = 8
MAX_EXPIRES_AT = 253402300799  # 9999-12-31T23:59:59Z

_METADATA_KEY = re.compile(rb"[A-Za-z0-9_.-]{1,32}")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc, exactly


class Claims:
    """Decoded claims; every field has its "absent" value by default."""

    __slots__ = ("expires_at", "name", "scopes", "metadata", "session_id")

    def __init__(self):
        self.expires_at = None
        self.name = None
        self.scopes = []
        self.metadata = {}
        self.session_id = None


class ClaimsError(Exception):
    """The claims are not a canonical encoding; the message says what is wrong."""


def is_scope(value):
    """An RFC 6749 scope-token without `,` (bytes 0x21, 0x23-0x2B, 0x2D-0x5B, 0x5D-0x7E)."""
    return 1 <= len(value) <= MAX_SCOPE_LEN and all(
        b == 0x21 or 0x23 <= b <= 0x2B or 0x2D <= b <= 0x5B or 0x5D <= b <= 0x7E for b in value)


def is_session_id(value):
    """1 to 64 visible ASCII bytes (0x21-0x7E)."""
    return 1 <= len(value) <= 64 and all(0x21 <= b <= 0x7E for b in value)


def _text(value, max_len, error):
    """UTF-8 of at most `max_len` bytes with no control character."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise ClaimsError(error + " is not UTF-8") from None
    if len(value) > max_len or _CONTROL.search(text):
        raise ClaimsError("bad " + error)
    return text


def decode(data):
    """Decodes a canonical encoding, rejecting anything a minter would not write."""
    claims = Claims()
    last_tag, i = 0, 0
    while i < len(data):
        if i + 2 > len(data) or i + 2 + data[i + 1] > len(data):
            raise ClaimsError("truncated claim")
        tag, value = data[i], data[i + 2:i + 2 + data[i + 1]]
        i += 2 + len(value)
        if tag < last_tag or (tag == last_tag and tag not in (TAG_SCOPE, TAG_METADATA)):
            raise ClaimsError("claims out of order")
        last_tag = tag
        if tag == TAG_EXPIRES_AT:
            if len(value) != 8:
                raise ClaimsError("bad expiry length")
            at = int.from_bytes(value, "big")
            if not 1 <= at <= MAX_EXPIRES_AT:
                raise ClaimsError("expiry out of range")
            claims.expires_at = at
        elif tag == TAG_NAME:
            if not value:
                raise ClaimsError("bad name")
            claims.name = _text(value, MAX_NAME_LEN, "name")
        elif tag == TAG_SCOPE:
            if not is_scope(value):
                raise ClaimsError("bad scope")
            if claims.scopes and claims.scopes[-1].encode() >= value:
                raise ClaimsError("scopes out of order")
            if len(claims.scopes) == MAX_SCOPES:
                raise ClaimsError("too many scopes")
            claims.scopes.append(value.decode("ascii"))
        elif tag == TAG_METADATA:
            if not value:
                raise ClaimsError("empty metadata")
            klen = value[0]
            if len(value) - 1 < klen:
                raise ClaimsError("bad metadata length")
            key, val = value[1:1 + klen], value[1 + klen:]
            if not _METADATA_KEY.fullmatch(key):
                raise ClaimsError("bad metadata key")
            if claims.metadata and next(reversed(claims.metadata)).encode() >= key:
                raise ClaimsError("metadata out of order")
            if len(claims.metadata) == MAX_METADATA:
                raise ClaimsError("too much metadata")
            claims.metadata[key.decode("ascii")] = _text(val, MAX_METADATA_VALUE_LEN, "metadata")
        elif tag == TAG_SESSION_ID:
            if not is_session_id(value):
                raise ClaimsError("bad session id")
            claims.session_id = value.decode("ascii")
        else:
            raise ClaimsError("unknown claim tag")
    return claims
