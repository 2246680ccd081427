"""The verifier on crafted tokens: kinds, the clock seam, rotation, the allowlist, limits, config."""

import time
import unittest

from client_keys import ConfigError, Verifier, VerifyError

from .helpers import FAR, K1, K2, S1, S2, claims, seal


def reason(verifier, token, **kw):
    try:
        verifier.verify(token, **kw)
    except VerifyError as e:
        return e.reason
    return "accepted"


class Kinds(unittest.TestCase):
    def test_a_verifier_can_refuse_a_kind_before_expiry_and_allowlist(self):
        key = seal("client_key")
        access = seal("access_token", claim_bytes=claims(expires_at=FAR))
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
        access = seal("access_token", key_id=K2, claim_bytes=claims(expires_at=FAR))
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
        session = claims(expires_at=FAR, session_id="!~\"\\" * 16)
        self.assertEqual(self.verifier.verify(seal("access_token", claim_bytes=session)).session_id,
                         "!~\"\\" * 16)
        for kind, raw in [("client_key", claims(session_id="s")),
                          ("access_token", claims(scopes=["read"])),
                          ("access_token", claims(expires_at=FAR, name="n")),
                          ("access_token", claims(expires_at=FAR, metadata=[("k", "v")])),
                          ("access_token", claims(expires_at=FAR, session_id="a b")),
                          ("access_token", claims(expires_at=FAR, session_id="s" * 65))]:
            self.assertEqual(reason(self.verifier, seal(kind, claim_bytes=raw)), "malformed", raw)


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
