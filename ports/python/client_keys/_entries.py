"""The one reader of comma-separated variables (CLIENT_SECRET_PREVIOUS, CLIENT_KEYS,
CLIENT_REVOKED_SESSIONS): entries trimmed as Rust's `str::trim` does, empty ones dropped."""

# What Rust's `str::trim` removes (Unicode White_Space), so that entries parse alike.
WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" \
             "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def entries(value):
    """Comma-separated text (or a list): entries trimmed, empty ones dropped."""
    parts = value.split(",") if isinstance(value, str) else value
    return [entry for entry in (p.strip(WHITESPACE) for p in parts) if entry]
