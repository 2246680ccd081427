"""`CLIENT_REVOKED_SESSIONS`: sessions whose access tokens are refused while their parent key
stays in `CLIENT_KEYS` (docs/FORMAT.md, "Revoked sessions").

An entry is `KEY_ID[:SESSION_ID]@UNTIL`: the parent's key id (32 hex, either case), the session
id percent-encoded (only `A-Z a-z 0-9 - . _ ~` and `%XX` written as they are; absent for the
tokens minted without a session id) and `YYYY-MM-DDTHH:MM:SSZ`, after which the entry can be
pruned. A verifier refuses a listed session whatever its UNTIL.
"""

import calendar
import re
import urllib.parse
from datetime import datetime

from ._entries import entries as _entries
from .claims import is_session_id
from .errors import ConfigError

_KEY_ID = re.compile(r"[0-9a-fA-F]{32}")
_ENCODED_SESSION = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9a-fA-F]{2})+")
_UNTIL = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")

_FORM = "is not of the form KEY_ID[:SESSION_ID]@UNTIL"
_BAD_KEY_ID = "has a key id that is not 32 hexadecimal characters"
_BAD_SESSION_ID = ("has a session id that is not 1 to 64 visible ASCII characters, percent-encoded "
                   "except for A-Z a-z 0-9 - . _ ~")
_BAD_UNTIL = "has an UNTIL time that is not YYYY-MM-DDTHH:MM:SSZ (UTC)"
_FIX = ("write entries with `issue-client-key revoke <access token>` or "
        "`issue-client-key revoke --session SESSION_ID KEY_ID`")


def parse_entry(text):
    """(key id in lower case, session id or None, until in unix seconds) of one entry.

    Raises ValueError with what is wrong (never the value)."""
    head, at, until = text.rpartition("@")
    if not at:
        raise ValueError(_FORM)
    key_id, colon, encoded = head.partition(":")
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError(_BAD_KEY_ID)
    session_id = None
    if colon:
        if not _ENCODED_SESSION.fullmatch(encoded):
            raise ValueError(_BAD_SESSION_ID)
        raw = urllib.parse.unquote_to_bytes(encoded)
        if not is_session_id(raw):
            raise ValueError(_BAD_SESSION_ID)
        session_id = raw.decode("ascii")
    match = _UNTIL.fullmatch(until)
    try:
        if match is None or int(match.group(1)) < 1970:
            raise ValueError
        moment = datetime(*(int(part) for part in match.groups()))  # a date that exists
    except ValueError:
        raise ValueError(_BAD_UNTIL) from None
    return key_id.lower(), session_id, calendar.timegm(moment.timetuple())


class RevokedSessions:
    """The parsed deny-list. `RevokedSessions.parse(text)` raises ConfigError naming the first
    entry that does not parse by its position (1-based, among the non-empty entries), never its
    value: a list that does not load is refused as a whole, so that a typo cannot bring a
    revoked session back.

    `contains(key_id, session_id)` is one dict probe by parent key id, then a look at that
    parent's few sessions; an empty list costs nothing.
    """

    __slots__ = ("_by_parent", "_len")

    def __init__(self, entries=()):
        """`entries`: (key id, session id or None) pairs, already checked."""
        by_parent = {}
        count = 0
        for key_id, session_id in entries:
            by_parent.setdefault(key_id.lower(), set()).add(session_id)
            count += 1
        self._by_parent = {key_id: frozenset(sessions) for key_id, sessions in by_parent.items()}
        self._len = count

    @classmethod
    def parse(cls, value):
        """From the text of CLIENT_REVOKED_SESSIONS (or a list of its entries); None is empty."""
        pairs = []
        for position, entry in enumerate(_entries(value or ()), start=1):
            try:
                key_id, session_id, _ = parse_entry(entry)
            except ValueError as e:
                raise ConfigError(f"CLIENT_REVOKED_SESSIONS entry {position} {e}: {_FIX}") from None
            pairs.append((key_id, session_id))
        return cls(pairs)

    def contains(self, key_id, session_id):
        """Whether the session `session_id` (None: tokens minted without one) of the parent
        `key_id` (lower-case hex) is listed."""
        sessions = self._by_parent.get(key_id) if self._by_parent else None
        return sessions is not None and session_id in sessions

    def __len__(self):
        return self._len

    def __repr__(self):
        return f"RevokedSessions({self._len} entries)"
