"""The verifier on crafted tokens: kinds, the clock seam, rotation, the allowlist, limits, config."""

import datetime
import time
import unittest

from client_keys import ConfigError, RevokedSessions, Verifier, VerifyError

from .helpers import FAR, K1, K2, S1, S2, SOON, claims, revoked_entry, seal


def reason(verifier, token, **kw):
    try:
        verifier.verify(token, **kw)
    except VerifyError as e:
        return e.reason
    return "accepted"


class Kinds(unittest.TestCase):
    def test_a_verifier_can_refuse_a_kind_before_expiry_and_allowlist(self):
        key = seal("client_key")
        access = seal("access_token", claim_bytes=claims(expires_at=SOON))
        access_only = Verifier(S1, K1, kinds=["access_token"])
        keys_only = Verifier(S1, K1, kinds=["client_key"])
        with self.assertRaises(VerifyError) as caught:
            access_only.verify(key)
        self.assertEqual(caught.exception.reason, "wrong_kind")
        self.assertEqual(caught.exception.key_id, K1)
        self.assertEqual(str(caught.exception), f"a client key (key_id {K1}) is not accepted here")
        self.assertEqual(reason(keys_only, access), "wrong_kind")
        self.assertEqual(access_only.verify(access).kind, "access_token")
        expired = seal("client_key", claim_bytes=claims(expires_at=1_000_000_000))
        self.assertEqual(reason(access_only, expired), "wrong_kind")
        self.assertEqual(reason(Verifier(S1, K2, kinds=["access_token"]), key), "wrong_kind")
        # A token that does not open is refused for that, whatever the kind.
        self.assertEqual(reason(access_only, key[:-2] + "AA"), "forged")
        with self.assertRaises(ValueError):
            Verifier(S1, K1, kinds=["jwt"])


class Clock(unittest.TestCase):
    def test_expired_when_now_reaches_expires_at(self):
        verifier = Verifier(S1, K1)
        at = int(time.time()) + 3600
        token = seal(claim_bytes=claims(expires_at=at))
        self.assertEqual(verifier.verify(token).expires_at, at)
        self.assertEqual(verifier.verify(token, now=at - 1).expires_at, at)
        self.assertEqual(reason(verifier, token, now=at), "expired")
        self.assertEqual(reason(verifier, token, now=at + 10**9), "expired")
        access = seal("access_token", claim_bytes=claims(expires_at=at))
        self.assertEqual(reason(verifier, access, now=at), "expired")


class Rotation(unittest.TestCase):
    def test_previous_secrets_verify_and_unknown_ones_do_not(self):
        token = seal(secret=S1)
        self.assertEqual(Verifier(S2, K1, previous_secrets=f" , {S1.upper()} ,").verify(token).key_id, K1)
        self.assertEqual(Verifier(S2, K1, previous_secrets=[S1]).verify(token).key_id, K1)
        self.assertEqual(reason(Verifier(S2, K1), token), "unknown_secret")
        self.assertEqual(reason(Verifier(S2, K1, previous_secrets=""), token), "unknown_secret")


class Allowlist(unittest.TestCase):
    def test_entries_are_trimmed_case_insensitive_and_others_never_match(self):
        token = seal(key_id=K2)
        for text in [f" {K2} ", f",,another-key, {K2.upper()},", f"\u3000{K2}\u00a0", [K2]]:
            self.assertEqual(Verifier(S1, text).verify(token).key_id, K2, text)
        for text in ["", " , ", K1, "another-key", K2[:31], K2 + "0"]:
            self.assertEqual(reason(Verifier(S1, text), token), "key_not_allowed", text)

    def test_an_access_token_is_checked_against_its_parent(self):
        access = seal("access_token", key_id=K2, claim_bytes=claims(expires_at=SOON))
        self.assertEqual(Verifier(S1, K2).verify(access).key_id, K2)
        self.assertEqual(reason(Verifier(S1, K1), access), "key_not_allowed")


class Limits(unittest.TestCase):
    verifier = Verifier(S1, K1)

    def test_length_is_checked_first(self):
        biggest = seal(claim_bytes=claims(name="n" * 64, metadata=[("k", "v" * 128), ("l", "w" * 128)]))
        self.assertEqual(len(biggest), 512)
        self.assertEqual(self.verifier.verify(biggest).name, "n" * 64)
        for token in [biggest + "A", "ckey_" + "A" * 508, "x" * (1 << 20), "é" * 300]:
            with self.assertRaises(VerifyError) as caught:
                self.verifier.verify(token)
            self.assertEqual(str(caught.exception), "malformed token: token is too long")
        started = time.perf_counter()
        for _ in range(1000):
            reason(self.verifier, "x" * (1 << 20))
        self.assertLess(time.perf_counter() - started, 1.0)

    def test_claims_at_and_past_their_limits(self):
        scopes = [f"s{i:02d}" for i in range(17)]
        metadata = [(f"k{i}", "v") for i in range(9)]
        accepted = [
            claims(name="é" * 32), claims(name="\ufeffbom kept"), claims(name="nbsp\u00a0ok"),
            claims(scopes=scopes[:16]), claims(metadata=metadata[:8]),
            claims(metadata=[("k", "")]), claims(scopes=["!#$%&'()*+-./:;<=>?@[]^_`{|}~"]),
            claims(metadata=[("A", "x"), ("_", "y"), ("a", "z")]),
        ]
        for raw in accepted:
            self.assertEqual(self.verifier.verify(seal(claim_bytes=raw)).key_id, K1, raw)
        refused = [
            claims(name="é" * 32 + "e"), claims(name=""), claims(name=b"\xc3\x28"),
            claims(name=b"\xed\xa0\x80"), claims(name=b"\xc0\x80"), claims(name="tab\there"),
            claims(name="c1\u009f"), claims(scopes=scopes), claims(metadata=metadata),
            claims(scopes=["b", "a"]), claims(scopes=["a", "a"]), claims(scopes=["a,b"]),
            claims(scopes=['a"b']), claims(scopes=["a\\b"]), claims(scopes=[""]),
            claims(metadata=[("a", "x"), ("A", "y")]), claims(metadata=[("k/", "v")]),
            claims(metadata=[("k", "v" * 129)]), claims(metadata=[("k", "\x7f")]),
            claims(expires_at=0), claims(expires_at=253402300800), b"\x04\x00", b"\x04\x02\x05k",
            claims(name="a") + claims(expires_at=FAR), b"\x01\x04\x00\x00\x00\x01", b"\x06\x00",
        ]
        for raw in refused:
            self.assertEqual(reason(self.verifier, seal(claim_bytes=raw)), "malformed", raw)
        self.assertEqual(self.verifier.verify(seal(claim_bytes=claims(expires_at=253402300799)),
                                              now=0).expires_at, 253402300799)

    def test_per_kind_claims(self):
        session = claims(expires_at=SOON, session_id="!~\"\\" * 16)
        self.assertEqual(self.verifier.verify(seal("access_token", claim_bytes=session)).session_id,
                         "!~\"\\" * 16)
        for kind, raw in [("client_key", claims(session_id="s")),
                          ("access_token", claims(scopes=["read"])),
                          ("access_token", claims(expires_at=SOON, name="n")),
                          ("access_token", claims(expires_at=SOON, metadata=[("k", "v")])),
                          ("access_token", claims(expires_at=SOON, session_id="a b")),
                          ("access_token", claims(expires_at=SOON, session_id="s" * 65))]:
            self.assertEqual(reason(self.verifier, seal(kind, claim_bytes=raw)), "malformed", raw)


NOW = 1_800_000_000  # 2027-01-15T08:00:00Z
UNTIL = "2027-01-16T08:01:00Z"


def access(expires_at=NOW + 3600, key_id=K1, session_id=None, secret=S1):
    return seal("access_token", key_id=key_id, secret=secret,
                claim_bytes=claims(expires_at=expires_at, session_id=session_id))


class Lifetime(unittest.TestCase):
    """An access token expiring more than max_access_ttl + 60 s after now is malformed."""

    def test_the_cap_is_24_hours_and_60_seconds_by_default(self):
        verifier = Verifier(S1, K1)
        last = access(NOW + 86400 + 60)
        self.assertEqual(verifier.verify(last, now=NOW).expires_at, NOW + 86400 + 60)
        with self.assertRaises(VerifyError) as caught:
            verifier.verify(access(NOW + 86400 + 61), now=NOW)
        self.assertEqual((caught.exception.reason, str(caught.exception)), (
            "malformed", "malformed token: an access token expires later than this server's "
                         "longest access-token lifetime"))
        self.assertEqual(reason(verifier, access(253402300799), now=NOW), "malformed")
        self.assertEqual(reason(verifier, last, now=NOW - 1), "malformed")
        # At the real clock too: a token sealed for the year 2100 dies now.
        self.assertEqual(reason(verifier, access(FAR)), "malformed")
        self.assertEqual(verifier.verify(access(SOON)).expires_at, SOON)

    def test_a_client_key_has_no_cap(self):
        for verifier in (Verifier(S1, K1), Verifier(S1, K1, max_access_ttl=1)):
            key = seal(claim_bytes=claims(expires_at=FAR))
            self.assertEqual(verifier.verify(key).expires_at, FAR)
            self.assertEqual(verifier.verify(seal(claim_bytes=claims(expires_at=253402300799)),
                                             now=NOW).expires_at, 253402300799)

    def test_a_lower_max_access_ttl(self):
        for ttl in (3600, 3600.9, datetime.timedelta(hours=1)):
            verifier = Verifier(S1, K1, max_access_ttl=ttl)
            self.assertEqual(verifier.verify(access(NOW + 3660), now=NOW).key_id, K1, ttl)
            self.assertEqual(reason(verifier, access(NOW + 3661), now=NOW), "malformed", ttl)
        # Clamped to 1 s .. 24 h: it can lower the cap, never raise it.
        for ttl, latest in [(0, NOW + 61), (-5, NOW + 61), (10**9, NOW + 86460),
                            (datetime.timedelta(days=7), NOW + 86460)]:
            verifier = Verifier(S1, K1, max_access_ttl=ttl)
            self.assertEqual(reason(verifier, access(latest), now=NOW), "accepted", ttl)
            self.assertEqual(reason(verifier, access(latest + 1), now=NOW), "malformed", ttl)
        for bad in ("3600", None, True):
            with self.assertRaises(TypeError):
                Verifier(S1, K1, max_access_ttl=bad)
        env = {"CLIENT_SECRET": S1, "CLIENT_KEYS": K1}
        self.assertEqual(reason(Verifier.from_env(env, max_access_ttl=60), access(NOW + 121), now=NOW),
                         "malformed")
        self.assertIn("max_access_ttl=3600", repr(Verifier(S1, K1, max_access_ttl=3600)))

    def test_the_cap_comes_after_kind_and_expiry_and_before_the_allowlist(self):
        too_long = access(NOW + 86461, key_id=K2)
        self.assertEqual(reason(Verifier(S1, K1), too_long, now=NOW), "malformed")
        self.assertEqual(reason(Verifier(S1, K1, kinds=["client_key"]), too_long, now=NOW), "wrong_kind")
        self.assertEqual(reason(Verifier(S1, K1), too_long, now=NOW + 86461), "expired")
        revoked = Verifier(S1, K1, revoked_sessions=revoked_entry(K1))
        self.assertEqual(reason(revoked, access(NOW + 86461), now=NOW), "malformed")


class RevokedSessionList(unittest.TestCase):
    def test_one_session_of_a_parent_is_refused_and_the_rest_accepted(self):
        verifier = Verifier(S1, f"{K1}, {K2}", revoked_sessions=f"{K1}:tab-1@{UNTIL}")
        with self.assertRaises(VerifyError) as caught:
            verifier.verify(access(session_id="tab-1"), now=NOW)
        self.assertEqual((caught.exception.reason, caught.exception.key_id, str(caught.exception)), (
            "session_revoked", K1,
            f'session "tab-1" of key_id {K1} is revoked (CLIENT_REVOKED_SESSIONS)'))
        self.assertEqual(verifier.verify(access(session_id="tab-2"), now=NOW).session_id, "tab-2")
        self.assertEqual(verifier.verify(access(), now=NOW).session_id, None)  # default session
        self.assertEqual(verifier.verify(seal()).key_id, K1)  # the parent itself
        self.assertEqual(verifier.verify(access(key_id=K2, session_id="tab-1"), now=NOW).key_id, K2)
        for near in ("TAB-1", "tab-", "tab-10"):  # session ids are compared exactly
            self.assertEqual(reason(verifier, access(session_id=near), now=NOW), "accepted", near)

    def test_the_default_session_is_listed_without_a_session_id(self):
        verifier = Verifier(S1, K1, revoked_sessions=f" ,{K1.upper()}@{UNTIL},, ")
        with self.assertRaises(VerifyError) as caught:
            verifier.verify(access(), now=NOW)
        self.assertEqual((caught.exception.reason, str(caught.exception)), (
            "session_revoked", f"the access tokens minted without a session id for key_id {K1} "
                               "are revoked (CLIENT_REVOKED_SESSIONS)"))
        self.assertEqual(verifier.verify(access(session_id="s"), now=NOW).session_id, "s")
        # Client keys are never looked up.
        self.assertEqual(verifier.verify(seal()).key_id, K1)

    def test_a_listed_session_is_refused_whatever_its_until(self):
        verifier = Verifier(S1, K1, revoked_sessions=f"{K1}:s@1970-01-01T00:00:00Z")
        self.assertEqual(reason(verifier, access(session_id="s"), now=NOW), "session_revoked")

    def test_the_allowlist_and_expiry_come_first(self):
        verifier = Verifier(S1, K1, revoked_sessions=f"{K2}:s@{UNTIL}, {K1}:s@{UNTIL}")
        self.assertEqual(reason(verifier, access(key_id=K2, session_id="s"), now=NOW), "key_not_allowed")
        self.assertEqual(reason(verifier, access(session_id="s"), now=NOW + 3600), "expired")
        self.assertEqual(reason(Verifier(S1, K1, revoked_sessions=f"{K1}:s@{UNTIL}",
                                         kinds=["client_key"]), access(session_id="s"), now=NOW),
                         "wrong_kind")

    def test_escaped_session_ids(self):
        every = "".join(chr(c) for c in range(0x21, 0x7F))
        for session in ["a,b#c$d%e", 'q"\\', "tab#7,a", "+plus", every[:64], every[-64:], "%41", "~"]:
            verifier = Verifier(S1, K1, revoked_sessions=revoked_entry(K1, session))
            self.assertEqual(reason(verifier, access(session_id=session), now=NOW), "session_revoked",
                             session)
            other = session[:-1] if len(session) > 1 else session + "x"
            self.assertEqual(reason(verifier, access(session_id=other), now=NOW), "accepted", session)
        # Escapes in either case, and escapes that were not needed.
        verifier = Verifier(S1, K1, revoked_sessions=f"{K1}:a%2cb%23c%24d%25%65@{UNTIL}")
        self.assertEqual(reason(verifier, access(session_id="a,b#c$d%e"), now=NOW), "session_revoked")
        # `%2B` is a plus, never a space (and a raw `+` is not allowed: see the bad entries).
        verifier = Verifier(S1, K1, revoked_sessions=f"{K1}:a%2Bb@{UNTIL}")
        self.assertEqual(reason(verifier, access(session_id="a+b"), now=NOW), "session_revoked")

    def test_a_list_of_entries_or_a_parsed_list(self):
        for value in ([f"{K1}:s@{UNTIL}", " "], RevokedSessions.parse(f"{K1}:s@{UNTIL}")):
            verifier = Verifier(S1, K1, revoked_sessions=value)
            self.assertEqual(reason(verifier, access(session_id="s"), now=NOW), "session_revoked")
        self.assertEqual(len(RevokedSessions.parse(f"{K1}:s@{UNTIL}, {K1}@{UNTIL}, {K2}@{UNTIL}")), 3)
        for empty in (None, "", " , ", []):
            self.assertEqual(len(RevokedSessions.parse(empty)), 0)

    def test_a_bad_entry_refuses_the_whole_list_naming_its_position(self):
        problems = {
            K1: "is not of the form",
            f"{K1}:s": "is not of the form",
            f"{K1[1:]}:s@{UNTIL}": "has a key id",
            f"{K1}0@{UNTIL}": "has a key id",
            f"xyz:s@{UNTIL}": "has a key id",
            f":s@{UNTIL}": "has a key id",
            f"{K1}:@{UNTIL}": "has a session id",
            f"{K1}:a b@{UNTIL}": "has a session id",
            f"{K1}:a#b@{UNTIL}": "has a session id",
            f"{K1}:a$b@{UNTIL}": "has a session id",
            f"{K1}:a+b@{UNTIL}": "has a session id",
            f"{K1}:a@b@{UNTIL}": "has a session id",
            f"{K1}:a%2@{UNTIL}": "has a session id",
            f"{K1}:a%zz@{UNTIL}": "has a session id",
            f"{K1}:%20@{UNTIL}": "has a session id",
            f"{K1}:%7F@{UNTIL}": "has a session id",
            f"{K1}:%C3%A9@{UNTIL}": "has a session id",
            f"{K1}:\u00e9@{UNTIL}": "has a session id",
            f"{K1}:{'s' * 65}@{UNTIL}": "has a session id",
            f"{K1}:{'%41' * 65}@{UNTIL}": "has a session id",
            f"{K1}:s@2027-01-16": "has an UNTIL time",
            f"{K1}:s@1800086460": "has an UNTIL time",
            f"{K1}:s@": "has an UNTIL time",
            f"{K1}:s@2027-02-29T00:00:00Z": "has an UNTIL time",
            f"{K1}:s@2027-04-31T00:00:00Z": "has an UNTIL time",
            f"{K1}:s@2027-01-01T24:00:00Z": "has an UNTIL time",
            f"{K1}:s@2027-01-01T00:00:60Z": "has an UNTIL time",
            f"{K1}:s@2027-01-16t08:01:00Z": "has an UNTIL time",
            f"{K1}:s@2027-01-16T08:01:00z": "has an UNTIL time",
            f"{K1}:s@2027-01-16T08:01:00+00:00": "has an UNTIL time",
            f"{K1}:s@1969-12-31T23:59:59Z": "has an UNTIL time",
            f"{K1}:s@\u0662027-01-16T08:01:00Z": "has an UNTIL time",
        }
        for entry, problem in problems.items():
            text = f" {K2}@{UNTIL} ,, {entry} , {K1}@{UNTIL}"
            with self.assertRaises(ConfigError, msg=entry) as caught:
                Verifier(S1, K1, revoked_sessions=text)
            message = str(caught.exception)
            self.assertTrue(message.startswith(f"CLIENT_REVOKED_SESSIONS entry 2 {problem}"), (entry, message))
            self.assertNotIn(entry, message)
        self.assertEqual(len(RevokedSessions.parse(f"{K1}:s@2028-02-29T23:59:59Z,{K1}:s@9999-12-31T23:59:59Z")), 2)

    def test_from_env_reads_client_revoked_sessions(self):
        env = {"CLIENT_SECRET": S1, "CLIENT_KEYS": K1, "CLIENT_REVOKED_SESSIONS": f"{K1}:tab%2D1@{UNTIL}"}
        verifier = Verifier.from_env(env)
        self.assertEqual(reason(verifier, access(session_id="tab-1"), now=NOW), "session_revoked")
        self.assertEqual(reason(verifier, access(session_id="tab-2"), now=NOW), "accepted")
        self.assertIn("revoked_sessions=1", repr(verifier))
        with self.assertRaisesRegex(ConfigError, "^CLIENT_REVOKED_SESSIONS entry 1 has a key id"):
            Verifier.from_env(dict(env, CLIENT_REVOKED_SESSIONS="nope@" + UNTIL))
        with self.assertRaisesRegex(ConfigError, "^CLIENT_REVOKED_SESSIONS is not valid UTF-8"):
            Verifier.from_env(dict(env, CLIENT_REVOKED_SESSIONS="\udcff"))


class Configuration(unittest.TestCase):
    def test_problems_name_the_variable_never_the_value(self):
        bad = "zz" * 32
        cases = [
            (dict(client_secret=""), "CLIENT_SECRET is empty"),
            (dict(client_secret=" " + S1), "CLIENT_SECRET has whitespace around it"),
            (dict(client_secret=f'"{S1}"'), "CLIENT_SECRET is wrapped in quotes"),
            (dict(client_secret=S1[:63]), "CLIENT_SECRET is 63 characters long"),
            (dict(client_secret="é" + S1[1:]), "CLIENT_SECRET has a character that is not hexadecimal at position 1"),
            (dict(client_secret=bad), "CLIENT_SECRET has a character that is not hexadecimal at position 1"),
            (dict(previous_secrets=f"{S2}, {bad}"), "CLIENT_SECRET_PREVIOUS entry 2 has a character"),
            (dict(client_keys=None), "CLIENT_KEYS is not set"),
        ]
        for change, start in cases:
            args = dict(client_secret=S1, client_keys="", **{})
            args.update(change)
            with self.assertRaises(ConfigError, msg=start) as caught:
                Verifier(**args)
            self.assertTrue(str(caught.exception).startswith(start), str(caught.exception))
            self.assertNotIn(bad, str(caught.exception))
            self.assertNotIn(S1[:63], str(caught.exception))

    def test_from_env(self):
        token = seal(secret=S1)
        env = {"CLIENT_SECRET": S2, "CLIENT_SECRET_PREVIOUS": S1, "CLIENT_KEYS": K1}
        self.assertEqual(Verifier.from_env(env).verify(token).key_id, K1)
        with self.assertRaisesRegex(ConfigError, "^CLIENT_SECRET is not set"):
            Verifier.from_env({"CLIENT_KEYS": K1})
        with self.assertRaisesRegex(ConfigError, "^CLIENT_KEYS is not set"):
            Verifier.from_env({"CLIENT_SECRET": S1})
        with self.assertRaisesRegex(ConfigError, "^CLIENT_KEYS is not valid UTF-8"):
            Verifier.from_env({"CLIENT_SECRET": S1, "CLIENT_KEYS": "\udcff"})

    def test_nothing_shows_a_secret_or_a_token(self):
        verifier = Verifier(S1, K1, previous_secrets=S2)
        token = seal()
        key = verifier.verify(token)
        for text in [repr(verifier), str(verifier), repr(key)]:
            for secret in (S1, S2, token):
                self.assertNotIn(secret, text)


if __name__ == "__main__":
    unittest.main()
