"""The `Authorization: Bearer` header (RFC 6750 §2.1, RFC 7235), read exactly as the Rust crate does."""

from .errors import NOT_BEARER, VerifyError, invalid_header, malformed

MAX_TOKEN_LEN = 512
_TCHAR = frozenset(b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_B64TOKEN = frozenset(b"-._~+/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def bearer_token(header_value):
    """The token of an Authorization header value (str or bytes), or a VerifyError.

    `credentials = auth-scheme 1*SP token68`, the scheme in any case, spaces and tabs around
    the value tolerated. Another scheme (or an empty value) is `not_bearer` (answer 401 with a
    bare challenge); `Bearer` with no token, two tokens, a tab, a control or non-ASCII character
    is `invalid_header` (400 invalid_request); a token longer than 512 is `malformed` (401).
    """
    raw = header_value.encode("utf-8", "surrogatepass") if isinstance(header_value, str) \
        else bytes(header_value)
    value = raw.strip(b" \t")
    scheme, _, rest = value.partition(b" ")
    if scheme.lower() != b"bearer":
        bad = next((b for b in scheme if b not in _TCHAR), None)
        if bad is None:
            raise VerifyError(NOT_BEARER, "no bearer token in the Authorization header")
        raise invalid_header(_describe(bad, "the authorization scheme is not a valid token"))
    token = rest.lstrip(b" ")
    if not token:
        raise invalid_header("the Bearer scheme has no token")
    if len(token) > MAX_TOKEN_LEN:
        raise malformed("token is too long")
    body = token.rstrip(b"=")
    if not body:
        raise invalid_header("the Bearer token is not a b64token")
    bad = next((b for b in body if b not in _B64TOKEN), None)
    if bad == 0x20:
        raise invalid_header("more than one token after Bearer")
    if bad is not None:
        raise invalid_header(_describe(bad, "the Bearer token is not a b64token"))
    return token.decode("ascii")


def _describe(bad, otherwise):
    if bad == 0x09:
        return "a tab in the Authorization header"
    if bad < 0x20 or bad == 0x7F:
        return "a control character in the Authorization header"
    if bad >= 0x80:
        return "a non-ASCII character in the Authorization header"
    return otherwise
