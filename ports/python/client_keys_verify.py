#!/usr/bin/env python3
"""Verify one token as a server would, with CLIENT_SECRET, CLIENT_SECRET_PREVIOUS, CLIENT_KEYS
and CLIENT_REVOKED_SESSIONS.

    client_keys_verify.py [TOKEN | -]   the token, or the first line of stdin when - or absent
    client_keys_verify.py --batch       JSON lines {"token": ..., "now": ..., "kinds": [...],
                                        "max_access_ttl": ...} in, one {"ok": ..., ...} line
                                        out for each

Prints the key as one line of JSON (as `issue-client-key verify` does) and exits 0; exits 1
with the reason on stderr for a refused token, 2 for a usage or configuration error.
"""

import json
import os
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from client_keys import ConfigError, Verifier, VerifyError  # noqa: E402

PROGRAM = "client-keys-verify"
ASCII_WHITESPACE = " \t\n\x0c\r"  # as Rust's trim_ascii: no vertical tab


def key_json(key):
    """The key as `issue-client-key verify` prints it: compact, keys sorted, UTF-8."""
    out = {"key_id": key.key_id, "kind": key.kind, "name": key.name, "scopes": list(key.scopes),
           "metadata": dict(key.metadata), "expires_at": None}
    if key.expires_at is not None:
        at = datetime.fromtimestamp(key.expires_at, timezone.utc)
        out["expires_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    if key.session_id is not None:
        out["session_id"] = key.session_id
    return json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def batch(verifier):
    verifiers = {(None, None): verifier}  # one per set of accepted kinds and longest lifetime
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            kinds = request.get("kinds")
            kinds = None if kinds is None else tuple(sorted(kinds))
            ttl = request.get("max_access_ttl")
            if (kinds, ttl) not in verifiers:
                policy = {} if kinds is None else {"kinds": kinds}
                policy.update({} if ttl is None else {"max_access_ttl": ttl})
                verifiers[kinds, ttl] = Verifier.from_env(**policy)
            key = verifiers[kinds, ttl].verify(request["token"], now=request.get("now"))
            out = '{"ok":true,"key":' + key_json(key) + "}"
        except VerifyError as e:
            out = json.dumps({"ok": False, "reason": e.reason, "message": str(e)}, ensure_ascii=False)
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            out = json.dumps({"ok": False, "reason": "bad_input", "message": type(e).__name__})
        write_line(out)
    sys.stdout.flush()


def write_line(text, stream=None):
    (stream or sys.stdout).buffer.write(text.encode("utf-8") + b"\n")


def main(argv):
    args = argv[1:]
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        sys.stderr.write(__doc__.lstrip())
        return 0 if args and args[0] in ("-h", "--help") else 2
    try:
        verifier = Verifier.from_env()
    except ConfigError as e:
        print(f"{PROGRAM}: {e}", file=sys.stderr)
        return 2
    if args == ["--batch"]:
        batch(verifier)
        return 0
    if args and args[0] != "-":
        token = args[0]
    else:
        try:
            token = sys.stdin.buffer.readline(64 * 1024).decode("utf-8")
        except UnicodeDecodeError:
            print(f"{PROGRAM}: cannot read the token from stdin: it is not UTF-8", file=sys.stderr)
            return 2
    token = token.strip(ASCII_WHITESPACE)
    if not token and not (args and args[0] != "-"):
        print(f"{PROGRAM}: no token: pass it as an argument or on stdin", file=sys.stderr)
        return 2
    try:
        key = verifier.verify(token)
    except VerifyError as e:
        print(f"{PROGRAM}: token rejected: {e}", file=sys.stderr)
        return 1
    write_line(key_json(key))
    return 0


def cli():
    """The `client-keys-verify` command of an installed package."""
    sys.exit(main(sys.argv))


if __name__ == "__main__":
    cli()
