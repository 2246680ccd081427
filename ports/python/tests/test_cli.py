"""The command-line driver, as an operator (and the conformance suite) runs it."""

import json
import subprocess
import sys
import unittest
from pathlib import Path

from datetime import datetime, timezone

from .helpers import K1, K2, S1, S2, SOON, claims, revoked_entry, seal, vector_files

DRIVER = Path(__file__).resolve().parents[1] / "client_keys_verify.py"
ENV = {"CLIENT_SECRET": S1, "CLIENT_KEYS": f"{K1}, {K2}", "PATH": "/usr/bin:/bin"}


def run(*args, env=ENV, stdin=""):
    done = subprocess.run([sys.executable, str(DRIVER), *args], input=stdin.encode(), env=env,
                          capture_output=True, timeout=60)
    return done.returncode, done.stdout.decode(), done.stderr.decode()


class Driver(unittest.TestCase):
    def test_prints_the_key_as_issue_client_key_verify_does(self):
        every_claim = next(c for kind, doc in vector_files() for c in doc["valid"]
                           if c["desc"] == "every claim")
        env = dict(ENV, CLIENT_SECRET=every_claim["secret"])
        self.assertEqual(run(every_claim["token"], env=env), (0, (
            '{"expires_at":"2100-01-01T00:00:00Z","key_id":"00112233445566778899aabbccddeeff",'
            '"kind":"client_key","metadata":{"env":"prod","team":"payments"},'
            '"name":"Billing worker \u2713","scopes":["read","write"]}\n'), ""))
        access = seal("access_token", key_id=K2, claim_bytes=claims(
            expires_at=SOON, scopes=["a"], session_id='q"\\'))
        soon = datetime.fromtimestamp(SOON, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.assertEqual(run(access)[1], (
            f'{{"expires_at":"{soon}","key_id":"3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e",'
            '"kind":"access_token","metadata":{},"name":null,"scopes":["a"],'
            '"session_id":"q\\"\\\\"}\n'))

    def test_reads_the_first_line_of_stdin(self):
        token = seal()
        for args in [(), ("-",)]:
            code, out, _ = run(*args, stdin=f" \t{token}\r\nsecond line\n")
            self.assertEqual((code, json.loads(out)["key_id"]), (0, K1))
        self.assertEqual(run(stdin="\n")[0], 2)
        self.assertEqual(run(f"  {token}\n")[0], 0)
        # Only ASCII whitespace is trimmed.
        self.assertEqual(run(f"{token}\u00a0")[0], 1)

    def test_a_refused_token_exits_1_with_one_line(self):
        for token, reason in [(seal(secret=S2), "token was minted under a secret"),
                              (seal(claim_bytes=claims(expires_at=1)), "token of key_id"),
                              ("ckey_" + "A" * 101, "malformed token: token is not canonical")]:
            code, out, err = run(token)
            self.assertEqual((code, out), (1, ""))
            self.assertTrue(err.startswith(f"client-keys-verify: token rejected: {reason}"), err)
            self.assertEqual(err.count("\n"), 1)
            self.assertNotIn(token[5:], err)

    def test_configuration_errors_exit_2_naming_the_variable(self):
        bad = "x" + S1[1:]
        code, out, err = run(seal(), env=dict(ENV, CLIENT_SECRET=bad))
        self.assertEqual((code, out), (2, ""))
        self.assertIn("CLIENT_SECRET has a character that is not hexadecimal at position 1", err)
        self.assertNotIn(bad, err)
        env = dict(ENV)
        del env["CLIENT_KEYS"]
        self.assertIn("CLIENT_KEYS is not set", run(seal(), env=env)[2])
        del env["CLIENT_SECRET"]
        self.assertEqual(run(seal(), env=env)[0], 2)
        bad = "not-an-entry"
        code, out, err = run(seal(), env=dict(ENV, CLIENT_REVOKED_SESSIONS=f"{revoked_entry(K1)}, {bad}"))
        self.assertEqual((code, out), (2, ""))
        self.assertIn("CLIENT_REVOKED_SESSIONS entry 2 is not of the form KEY_ID[:SESSION_ID]@UNTIL", err)
        self.assertNotIn(bad, err)

    def test_reads_client_revoked_sessions(self):
        env = dict(ENV, CLIENT_REVOKED_SESSIONS=revoked_entry(K1, 'q"\\'))
        revoked = seal("access_token", claim_bytes=claims(expires_at=SOON, session_id='q"\\'))
        self.assertEqual(run(revoked, env=env), (1, "", (
            'client-keys-verify: token rejected: session "q\\"\\\\" of key_id '
            f'{K1} is revoked (CLIENT_REVOKED_SESSIONS)\n')))
        self.assertEqual(run(seal(), env=env)[0], 0)  # the parent itself

    def test_batch_mode(self):
        at = 2_000_000_000
        lines = [
            {"token": seal()},
            {"token": seal(claim_bytes=claims(expires_at=at)), "now": at},
            {"token": seal(claim_bytes=claims(expires_at=at)), "now": at - 1},
            {"token": seal(), "kinds": ["access_token"]},
            {"token": "nope"},
            {"token": seal("access_token", claim_bytes=claims(expires_at=at)), "now": at - 3661,
             "max_access_ttl": 3600},
        ]
        code, out, _ = run("--batch", stdin="".join(json.dumps(l) + "\n" for l in lines) + "{}\n")
        results = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(code, 0)
        self.assertEqual([r["ok"] for r in results], [True, False, True, False, False, False, False])
        self.assertEqual([r.get("reason") for r in results],
                         [None, "expired", None, "wrong_kind", "malformed", "malformed", "bad_input"])
        self.assertEqual(out.splitlines()[0], '{"ok":true,"key":' + run(seal())[1].strip() + "}")


if __name__ == "__main__":
    unittest.main()
