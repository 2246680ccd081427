"""Errors. None of them ever holds a secret or a token."""

# Why a token was refused: the `reason` of a VerifyError.
MALFORMED = "malformed"
UNKNOWN_SECRET = "unknown_secret"
FORGED = "forged"
WRONG_KIND = "wrong_kind"
EXPIRED = "expired"
KEY_NOT_ALLOWED = "key_not_allowed"
SESSION_REVOKED = "session_revoked"  # an access token whose session is in CLIENT_REVOKED_SESSIONS
# Why an Authorization header was refused before its token was read.
NOT_BEARER = "not_bearer"
INVALID_HEADER = "invalid_header"


class ConfigError(Exception):
    """The configuration is unusable. The message names the variable and the fix, never a value."""


class VerifyError(Exception):
    """A token (or an Authorization header) was refused.

    For the operator: `reason` is one of the names above, `str(error)` a sentence for the log,
    and `key_id` the key the token belongs to when it decrypted. A server answers every
    token refusal with the same 401. Neither the token nor a secret is ever in the message.
    """

    def __init__(self, reason, message, key_id=None, description=None):
        super().__init__(message)
        self.reason = reason
        self.key_id = key_id
        self.description = description  # invalid_header only: the syntax problem, safe to show

    def __repr__(self):
        return f"VerifyError({self.reason!r}, {str(self)!r})"


def malformed(why):
    return VerifyError(MALFORMED, f"malformed token: {why}")


def invalid_header(why):
    return VerifyError(INVALID_HEADER, f"malformed Authorization header: {why}", description=why)
