#!/usr/bin/env python3
"""Conformance: every port reaches the Rust verifier's decision and claims on every token.

    python3 ports/conformance/run.py --cli target/debug/issue-client-key [--ports ruby,node,python]

Mints a few hundred tokens of every shape with the Rust CLI (`issue-client-key`, `exchange`),
derives tampered, truncated, re-prefixed and garbage ones from them, takes the Rust decision
for each from `issue-client-key verify`, and runs every port's driver once in `--batch` mode
over all of them. A port passes a case when it accepts with exactly the line Rust prints, or
refuses for the same reason. Also checked, derived from the Rust order of checks (the CLI has
no switch for them): a verifier restricted to one kind (wrong kind comes before expiry and the
allowlist), the clock seam (`now = expires_at - 1` accepts, `now = expires_at` expires), and the
access-token lifetime cap (`now = expires_at - 86400 - 60` accepts, one second earlier is
malformed; the same around a lowered `max_access_ttl` of 3600; client keys have no cap). Then
every minted token again under a CLIENT_REVOKED_SESSIONS that lists some of the minted sessions
(a parent's default session, ids that need escapes, an upper-case key id, lower-case escapes,
an entry whose time passed, near misses), where Rust and every port must agree on
`session_revoked`. Finally each driver is run as a command for a few cases and compared with
the Rust CLI's output, revoked sessions and an invalid CLIENT_REVOKED_SESSIONS included.

Standard library only. Ends with `N passed, M failed`; exits 1 if M > 0.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

PORTS_DIR = Path(__file__).resolve().parents[1]
DRIVERS = {
    "ruby": ["ruby", str(PORTS_DIR / "ruby/bin/client-keys-verify")],
    "node": ["node", str(PORTS_DIR / "node/bin/client-keys-verify.js")],
    "python": [sys.executable, str(PORTS_DIR / "python/client_keys_verify.py")],
}
KINDS = {"ckey_": "client_key", "ckat_": "access_token"}
MAX_EXPIRES_AT = 253402300799
MAX_ACCESS_TTL = 86400  # the longest access-token lifetime a verifier accepts ...
CLOCK_SKEW = 60  # ... plus this much (docs/FORMAT.md, "Verifying a client key", step 9)
LOWER_TTL = 3600  # a lowered `max_access_ttl`, checked through the drivers' --batch
UNTIL = "2027-01-16T08:01:00Z"
SCOPE_CHARS = "!#$%&'()*+-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~"
VISIBLE_ASCII = "".join(chr(c) for c in range(0x21, 0x7F))
# Rust's `str::trim` (which older CLIs apply to their argument) removes these.
RUST_WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" \
                  "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def cli_alters(token):
    """Whether `issue-client-key verify TOKEN` would verify another string than TOKEN: older
    CLIs trim Unicode whitespace; newer ones (`operator::pasted_token`) trim ASCII whitespace
    and remove one pair of quotes and a leading `Bearer `. Such cases test the CLI's reading of
    its argument, not the verifier, and are left out."""
    text = token.strip(" \t\n\x0b\x0c\r")
    for quote in "\"'":
        if len(text) >= 2 and text[0] == quote and text[-1] == quote:
            text = text[1:-1].strip(" \t\n\x0b\x0c\r")
            break
    scheme, space, rest = text.partition(" ")
    if space and scheme.lower() == "bearer":
        text = rest.strip(" \t\n\x0b\x0c\r")
    return text != token or token != token.strip(RUST_WHITESPACE) or token == "-"


class Rust:
    """The `issue-client-key` binary, run in an empty directory so that no .env is read."""

    def __init__(self, cli, cwd):
        self.cli, self.cwd = cli, cwd

    def run(self, args, env, stdin=None):
        return subprocess.run([self.cli, *args], cwd=self.cwd, env={"PATH": os.environ["PATH"], **env},
                              input=stdin, capture_output=True, timeout=60)

    def ok(self, args, env):
        done = self.run(args, env)
        if done.returncode != 0:
            raise SystemExit(f"issue-client-key {args[:1]} failed ({done.returncode}): "
                             f"{done.stderr.decode(errors='replace').strip()}")
        return done.stdout.decode()

    def secret(self):
        return self.ok(["secret"], {}).strip()

    def mint(self, secret, *args):
        """(key_id, token) of a client key minted with `args`."""
        out = json.loads(self.ok(list(args), {"CLIENT_SECRET": secret}))
        return out["key_id"], out["key_access_token"]

    def exchange(self, secret, parent, *args):
        """An access token for the client key `parent` = (key_id, token)."""
        env = {"CLIENT_SECRET": secret, "CLIENT_KEYS": parent[0]}
        return json.loads(self.ok(["exchange", *args, "--", parent[1]], env))["access_token"]

    def verify(self, token, env):
        """("ok", line) or ("refused", reason, message)."""
        done = self.run(["verify", "--", token], env)
        out, err = done.stdout.decode(), done.stderr.decode().strip()
        if done.returncode == 0:
            return ("ok", normalize(out.rstrip("\n")))
        if done.returncode == 1 and err.startswith("issue-client-key: token rejected: "):
            message = err[len("issue-client-key: token rejected: "):]
            return ("refused", reason_of(message), message)
        return ("error", f"exit {done.returncode}: {err}")


def reason_of(message):
    """The reason name of a Rust refusal message (VerifyError's Display)."""
    for start, reason in [("malformed token: ", "malformed"), ("token was minted under a secret", "unknown_secret"),
                          ("token does not decrypt", "forged")]:
        if message.startswith(start):
            return reason
    for part, reason in [(" expired at ", "expired"), (" is not in CLIENT_KEYS", "key_not_allowed"),
                         (" is not accepted here", "wrong_kind"),
                         (" revoked (CLIENT_REVOKED_SESSIONS)", "session_revoked")]:
        if part in message:
            return reason
    return f"unknown Rust message: {message}"


QUIRKS = []


def rfc3339(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalize(line):
    """The Rust CLI prints expiries after 9999-12-30T22:00:00Z (the end of jiff's range) as a
    quoted number; the claim is the same instant, so compare it in RFC 3339 like the others."""
    match = re.search(r'"expires_at":"(\d+)"', line)
    if match is None:
        return line
    QUIRKS.append(int(match.group(1)))
    return line.replace(match.group(0), f'"expires_at":"{rfc3339(int(match.group(1)))}"')


def expires_at(line):
    value = json.loads(line)["expires_at"]
    if value is None:
        return None
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


# ---------------------------------------------------------------- token shapes

def b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def secret_id(secret_hex):
    """HKDF-SHA256 (RFC 5869) of the secret, label "client-keys/v1 secret-id", 4 bytes."""
    prk = hmac.new(b"client-keys/v1", bytes.fromhex(secret_hex), hashlib.sha256).digest()
    return hmac.new(prk, b"client-keys/v1 secret-id\x01", hashlib.sha256).digest()[:4]


def claims_len(name=None, scopes=(), metadata=(), expiry=False, session=None):
    size = 10 if expiry else 0
    size += 0 if name is None else 2 + len(name.encode())
    size += sum(2 + len(s) for s in scopes)
    size += sum(3 + len(k) + len(v.encode()) for k, v in metadata)
    return size + (0 if session is None else 2 + len(session))


def key_args(name=None, scopes=(), metadata=(), expiry=None):
    """Issue arguments, in `--x=value` form so that values may start with `-`."""
    args = [] if name is None else [f"--name={name}"]
    args += [f"--scope={s}" for s in scopes]
    args += [f"--meta={k}={v}" for k, v in metadata]
    return args + ([] if expiry is None else [expiry])


def fill(size, name=None, scopes=(), metadata=(), expiry=False):
    """Metadata pairs padded (in the last value) so that the claims take exactly `size` bytes."""
    metadata = list(metadata)
    key, value = metadata[-1]
    missing = size - claims_len(name, scopes, metadata, expiry)
    metadata[-1] = (key, value + "x" * missing)
    assert claims_len(name, scopes, metadata, expiry) == size and len(metadata[-1][1]) <= 128
    return metadata


def revoked_entry(key_id, session_id=None, until=UNTIL):
    """A CLIENT_REVOKED_SESSIONS entry as `issue-client-key revoke` writes it: every byte of the
    session id outside `A-Z a-z 0-9 - . _ ~` as %XX."""
    if session_id is None:
        return f"{key_id}@{until}"
    return f"{key_id}:{urllib.parse.quote(session_id, safe='')}@{until}"


def mint_all(rust, secrets):
    """Every shape of client key and access token: [(desc, token)], the key ids to allow, when
    the short-lived ones have expired, and the sessions of the access tokens: {desc: (parent key
    id, session id or None)}."""
    cur, prev, other = secrets
    cases, allowed, sessions = [], [], {}

    def key(desc, secret=cur, allow=True, **claims):
        key_id, token = rust.mint(secret, *key_args(**claims))
        cases.append((desc, token))
        if allow:
            allowed.append(key_id)
        return key_id, token

    def access(desc, parent, *args, secret=cur):
        cases.append((desc, rust.exchange(secret, parent, *args)))
        session = [a[len("--session-id="):] for a in args if a.startswith("--session-id=")]
        sessions[desc] = (parent[0], session[0] if session else None)
        return cases[-1][1]

    # Short-lived first: one wait for all of them comes after the rest is minted.
    key("client key expiring in 1s", expiry="--expires-in=1s")
    key("client key with claims expiring in 1s", name="soon", scopes=["read"], expiry="--expires-in=1s")
    key("revoked client key expiring in 1s", allow=False, expiry="--expires-in=1s")
    parent = key("parent for short access tokens", scopes=["read", "write"])
    access("access token, ttl 1s", parent, "--ttl=1s")
    access("access token, ttl 1s, session", parent, "--ttl=1s", "--session-id=s-1", "--scope=read")
    short_lived_until = time.time() + 2.5

    plain = key("plain client key")
    key("plain client key, revoked", allow=False)
    key("plain client key, previous secret", secret=prev)
    key("plain client key, previous secret, revoked", secret=prev, allow=False)
    key("plain client key, unknown secret", secret=other)
    key("name of 64 ASCII bytes", name="N" * 64)
    key("name of 64 bytes: 32 x 2-byte", name="\u00e9" * 32)
    key("name of 64 bytes: 21 x 3-byte + 1", name="\u2713" * 21 + "a")
    key("name of 64 bytes: 16 x 4-byte", name="\U0001d11e" * 16)
    key("name with quotes, backslash, spaces", name='He said "hi" \\ back / slash')
    key("name with BOM, LS, RLM, NBSP", name="\ufeffbom\u2028ls\u200frlm\u00a0nbsp")
    key("name starting with a dash", name="-dash =equals, comma")
    key("every scope character", scopes=[SCOPE_CHARS[:32], SCOPE_CHARS[32:64], SCOPE_CHARS[64:]])
    key("scopes given out of order", scopes=["write", "admin", "read", "Read", "_", "~", "!"])
    key("16 scopes of 18 chars, expiry: 330 bytes",
        scopes=[f"{c}{i:02d}".ljust(18, c) for i, c in enumerate("ABCDEFGHIJKLMNOP")], expiry="--expires-in=90d")
    key("9 scopes of 32 chars, name: 330 bytes", name="n" * 22, scopes=[c * 32 for c in "abcdefghi"])
    key("8 metadata keys of 32 chars: 330 bytes",
        metadata=fill(330, metadata=[(c * 32, "v") for c in "ABCDEFGH"]))
    key("metadata in byte order, not numeric", metadata=[("9", "nine"), ("10", "ten"), ("1", "one"),
                                                          ("__proto__", "p"), ("constructor", "c"), ("-", "dash"),
                                                          (".", "dot"), ("A", "upper")])
    key("metadata values: empty, =, quotes, unicode", metadata=[("empty", ""), ("eq", "a=b=c"),
                                                                 ("quote", '"\\'), ("uni", "\u00e9\u2713\U0001d11e"),
                                                                 ("comma", "a,b"), ("dash", "-x")])
    key("metadata value of 128 bytes of UTF-8", metadata=[("k", "\u00e9" * 64)])
    key("name 64 + two 128-byte values: 512 chars", name="n" * 64,
        metadata=[("k", "v" * 128), ("l", "w" * 128)])
    name64 = "\u00e9" * 20 + "x" * 24
    scopes16 = [f"s{i:02d}" for i in range(16)]
    key("every claim at once: 330 bytes", name=name64, scopes=scopes16, expiry="--expires-in=30d",
        metadata=fill(330, name64, scopes16, [(f"m{i}", "v") for i in range(8)], expiry=True))
    key("every claim, previous secret", secret=prev, name="old", scopes=["read"], metadata=[("a", "b")],
        expiry="--expires-in=1h")
    key("every claim, revoked", allow=False, name="revoked", scopes=["read"], metadata=[("a", "b")])
    key("expires in 1h", expiry="--expires-in=1h")
    key("expires 2038-01-19T03:14:08Z", expiry="--expires-at=2038-01-19T03:14:08Z")
    key("expires 2100-01-01 (a date)", expiry="--expires-at=2100-01-01")
    key("expires 9999-12-30", expiry="--expires-at=9999-12-30")
    key("expires a few seconds before 9999-12-31T23:59:59Z",
        expiry=f"--expires-in={MAX_EXPIRES_AT - int(time.time()) - 30}s")

    rich = key("parent with scopes and claims", name="parent", scopes=["admin", "read", "write"],
               metadata=[("team", "x")], expiry="--expires-in=30d")
    access("access token, default ttl, all scopes", rich)
    access("access token, narrowed scope", rich, "--scope=read")
    access("access token, two scopes, ttl 15m", rich, "--scope=write", "--scope=read", "--ttl=15m")
    access("access token, ttl 24h", plain, "--ttl=24h")
    access("access token, session of every visible ASCII",
           plain, f"--session-id={VISIBLE_ASCII[:64]}")
    access("access token, session starting with a dash", plain, f"--session-id=-{VISIBLE_ASCII[64:]}")
    access("access token, session with quotes and commas", plain, '--session-id="a\\b,c"')
    soon = key("parent expiring in 1h", expiry="--expires-in=1h")
    access("access token capped at its parent's expiry", soon, "--ttl=24h")
    scopes_max = [f"{c}".ljust(14 if i < 14 else 13, c) for i, c in enumerate("ABCDEFGHIJKLMNOP")]
    big = key("parent with 16 scopes", scopes=scopes_max)
    access("access token of 512 chars (16 scopes, session 64)", big, "--session-id=" + "S" * 64)
    old = key("parent under the previous secret", secret=prev, scopes=["read"])
    access("access token under the previous secret", old, secret=prev)
    gone = key("parent to revoke", allow=False)
    access("access token of a revoked parent", gone)
    alien = key("parent under an unknown secret", secret=other, allow=False)
    access("access token under an unknown secret", alien, secret=other)
    return cases, allowed, short_lived_until, sessions


def revoked_sessions(sessions):
    """CLIENT_REVOKED_SESSIONS listing some minted sessions, and {desc: the reason Rust must
    give} for the access tokens it is meant to refuse (or not)."""
    of = sessions.__getitem__
    rich, _ = of("access token, default ttl, all scopes")
    plain, every = of("access token, session of every visible ASCII")
    _, quotes = of("access token, session with quotes and commas")
    _, dash = of("access token, session starting with a dash")
    short, short_session = of("access token, ttl 1s, session")
    gone, _ = of("access token of a revoked parent")
    big, big_session = of("access token of 512 chars (16 scopes, session 64)")
    lower_escapes = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), revoked_entry(plain, quotes))
    entries = [
        revoked_entry(rich.upper()),                     # a default session, upper-case key id
        revoked_entry(plain, every),                     # 64 characters, most of them escaped
        lower_escapes,                                   # escapes in lower case
        revoked_entry(plain, dash[:-1]),                 # near miss: a prefix of a session
        revoked_entry(rich, dash),                       # near miss: another parent's session
        revoked_entry(big, big_session.lower()),         # near miss: another case
        revoked_entry(short, short_session, "2020-01-01T00:00:00Z"),  # time passed; token expired
        revoked_entry(gone),                             # a parent not in CLIENT_KEYS
        revoked_entry("0" * 32, "s"),                    # nobody's
    ]
    text = " , ".join(entries) + ",,"
    expected = {
        "access token, default ttl, all scopes": "session_revoked",
        "access token, narrowed scope": "session_revoked",
        "access token, two scopes, ttl 15m": "session_revoked",
        "access token, session of every visible ASCII": "session_revoked",
        "access token, session with quotes and commas": "session_revoked",
        "access token, ttl 24h": "ok",  # the default session of `plain` is not listed
        "access token, session starting with a dash": "ok",
        "access token of 512 chars (16 scopes, session 64)": "ok",
        "access token, ttl 1s, session": "expired",
        "access token of a revoked parent": "key_not_allowed",
    }
    return text, expected


def derived_cases(minted, cur):
    """Tampered, truncated, re-prefixed and garbage tokens made from the minted ones."""
    by_desc = dict(minted)
    out = []
    plain = by_desc["plain client key"]
    bases = [("plain key", plain), ("access token", by_desc["access token, narrowed scope"]),
             ("512-char key", by_desc["every claim at once: 330 bytes"])]
    for label, token in bases:
        prefix, body = token[:5], b64decode(token[5:])
        for i in range(len(body)):
            for bit in ([0x01, 0x80] if i < 6 else [0x01]):
                flipped = body[:i] + bytes([body[i] ^ bit]) + body[i + 1:]
                out.append((f"{label}: body byte {i} ^ {bit:#04x}", prefix + b64encode(flipped)))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(len(plain)):
        c = plain[i]
        other = alphabet[(alphabet.index(c) + 1) % 64] if c in alphabet else "X"
        out.append((f"plain key: character {i} changed", plain[:i] + other + plain[i + 1:]))
    for label, token in bases[:2]:
        for n in range(len(token)):
            out.append((f"{label}: truncated to {n} chars", token[:n]))
    for label, token in bases:
        last = alphabet.index(token[-1])
        unused = {2: 0b1111, 3: 0b11}.get(len(token[5:]) % 4, 0)
        if unused:
            out.append((f"{label}: unused bits set", token[:-1] + alphabet[last | unused]))
        for extra in ["A", "AA", "AAA", "AAAA", "=", "==", "."]:
            out.append((f"{label}: {extra!r} appended", token + extra))
        out.append((f"{label}: standard alphabet", token.replace("-", "+").replace("_", "/")))
        out.append((f"{label}: space inside", token[:20] + " " + token[20:]))
        out.append((f"{label}: tab inside", token[:20] + "\t" + token[20:]))
        out.append((f"{label}: prefix swapped", ("ckat_" if token.startswith("ckey_") else "ckey_") + token[5:]))
        out.append((f"{label}: upper-case prefix", token[:5].upper() + token[5:]))
        out.append((f"{label}: no prefix", token[5:]))
        out.append((f"{label}: prefix twice", token[:5] + token))
        out.append((f"{label}: prefix without underscore", token[:4] + token[5:]))
        out.append((f"{label}: unknown prefix", "ckez_" + token[5:]))
    for kind_byte, prefix in [(1, "ckey_"), (2, "ckat_")]:
        header = bytes([1, kind_byte]) + secret_id(cur)
        for n in [50, 51, 66, 200, 380]:
            out.append((f"{prefix} right header, random body of {n} bytes",
                        prefix + b64encode(header + os.urandom(n - 6))))
        out.append((f"{prefix} right header, 49 bytes", prefix + b64encode(header + os.urandom(43))))
        out.append((f"{prefix} right header, 381 bytes (513 chars)", prefix + b64encode(header + os.urandom(375))))
        out.append((f"{prefix} version 2", prefix + b64encode(bytes([2, kind_byte]) + os.urandom(60))))
    for n in [0, 1, 10, 67, 100, 300, 507, 508]:
        out.append((f"ckey_ + {n} random base64url chars", "ckey_" + b64encode(os.urandom(n))[:n]))
    garbage = ["", "c", "ckey", "ckey_", "ckat_", "ckey_A", "ckey_AA", "ckey_AAA", "ckey_AAAA", "ckey_" + "A" * 507,
               "ckey_" + "A" * 508, "ckey_" + "A" * 5000, "x" * 100000, "-x", "--help", "-- ckey_",
               "eyJhbGciOiJIUzI1NiJ9.eyJrZXlfaWQiOiJ4In0.c2lnbmF0dXJl", "6f1c2a0e-8d3b-4c55-9a7e-2b1f0c9d8e7a",
               "ckey_\u00e9\u00e9\u00e9", "\u00e9" * 256, "\u00e9" * 257, "\U0001f600" * 128, "\U0001f600" * 129,
               "ckey_" + "\u00e9" * 253, "ckey_\u200b" + plain[5:], plain[:30] + "\u00e9" + plain[31:],
               "ckey_" + "\u00ff" * 100, "null", "{}", "ckey_%2F", "ckey_A==="]
    out += [(f"garbage {i}: {g[:24]!r}", g) for i, g in enumerate(garbage)]
    return out


# ---------------------------------------------------------------- running and comparing

def run_batch(name, lines, env):
    """The port's answer to each line, or an error for all of them."""
    command = DRIVERS[name] + ["--batch"]
    try:
        done = subprocess.run(command, input="".join(json.dumps(l) + "\n" for l in lines).encode(),
                              env={"PATH": os.environ["PATH"], **env}, capture_output=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return [("error", f"{command[0]}: {e}")] * len(lines)
    answers = done.stdout.decode("utf-8", errors="replace").split("\n")[:-1]  # not splitlines: U+2028
    if done.returncode != 0 or len(answers) != len(lines):
        why = f"exit {done.returncode}, {len(answers)} of {len(lines)} lines: {done.stderr.decode()[-500:]}"
        return [("error", why)] * len(lines)
    return [parse_answer(a) for a in answers]


def parse_answer(line):
    if line.startswith('{"ok":true,"key":') and line.endswith("}"):
        return ("ok", line[len('{"ok":true,"key":'):-1])
    answer = json.loads(line)
    return ("refused", answer.get("reason"), answer.get("message"))


def agree(expected, got):
    """Whether a port's answer is the expected decision: the same line, or the same reason."""
    return expected[0] == got[0] and expected[1] == got[1]


def show(token):
    return repr(token if len(token) <= 90 else token[:60] + f"...({len(token)} chars)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True, help="the issue-client-key binary")
    parser.add_argument("--ports", default=",".join(DRIVERS), help="comma-separated: ruby,node,python")
    parser.add_argument("--jobs", type=int, default=4, help="Rust CLI calls at once")
    args = parser.parse_args()
    cli = str(Path(args.cli).resolve())
    if not os.access(cli, os.X_OK):
        raise SystemExit(f"no issue-client-key at {args.cli}: build it (cargo build) or pass --cli PATH")
    ports = [p for p in args.ports.split(",") if p]
    unknown = set(ports) - set(DRIVERS)
    if unknown:
        raise SystemExit(f"unknown ports {sorted(unknown)}: choose from {sorted(DRIVERS)}")

    started = time.time()
    with tempfile.TemporaryDirectory(prefix="ck-conformance-") as cwd:
        rust = Rust(cli, cwd)
        secrets = [rust.secret() for _ in range(3)]
        cur, prev, _ = secrets
        minted, allowed, short_lived_until, sessions = mint_all(rust, secrets)
        cases = minted + derived_cases(minted, cur)
        skipped = [desc for desc, token in cases if cli_alters(token)]
        cases = [(desc, token) for desc, token in cases if desc not in skipped]
        listed = [k.upper() if i % 3 == 0 else k for i, k in enumerate(allowed)]
        env = {"CLIENT_SECRET": cur, "CLIENT_SECRET_PREVIOUS": f" {prev} ,, ",
               "CLIENT_KEYS": " , ".join(listed) + ", legacy-entry,,"}
        revoked_text, planned = revoked_sessions(sessions)
        revoked_env = dict(env, CLIENT_REVOKED_SESSIONS=revoked_text)
        revoked_cases = [(desc, token) for desc, token in minted if desc not in skipped]
        time.sleep(max(0.0, short_lived_until - time.time()))
        with ThreadPoolExecutor(args.jobs) as pool:
            rust_answers = list(pool.map(lambda case: rust.verify(case[1], env), cases))
            rust_revoked = list(pool.map(lambda case: rust.verify(case[1], revoked_env), revoked_cases))
        rust_seconds = time.time() - started
        # The Rust CLI must refuse what the list was written to refuse, or the check proves little.
        plan_failures = []
        for (desc, _), answer in zip(revoked_cases, rust_revoked):
            if desc in planned and (answer[0] if answer[0] == "ok" else answer[1]) != planned[desc]:
                plan_failures.append(f"FAIL  rust: {desc} under CLIENT_REVOKED_SESSIONS: expected "
                                     f"{planned[desc]}, got {answer[:2]}")

        # What each port is asked: every case as is, restricted to each kind, and at its expiry.
        checks = []  # (description, token, request line, expected answer)
        for (desc, token), expected in zip(cases, rust_answers):
            if expected[0] == "error":
                raise SystemExit(f"the Rust CLI failed on {desc}: {expected[1]}")
            checks.append((desc, token, {"token": token}, expected))
            kind = KINDS.get(token[:5])
            for only in ("client_key", "access_token"):
                if kind is not None and kind != only and (expected[0] == "ok" or expected[1] in ("expired", "key_not_allowed")):
                    wrong = ("refused", "wrong_kind", None)
                    checks.append((f"{desc} [only {only}s]", token, {"token": token, "kinds": [only]}, wrong))
                else:
                    checks.append((f"{desc} [only {only}s]", token, {"token": token, "kinds": [only]}, expected))
            at = expires_at(expected[1]) if expected[0] == "ok" else None
            if at is not None:
                checks.append((f"{desc} [now = expires_at - 1]", token, {"token": token, "now": at - 1}, expected))
                checks.append((f"{desc} [now = expires_at]", token, {"token": token, "now": at},
                               ("refused", "expired", None)))
                checks += cap_checks(desc, token, at, expected)

        # The same minted tokens under CLIENT_REVOKED_SESSIONS, and restricted to client keys.
        revoked_checks = []
        for (desc, token), expected in zip(revoked_cases, rust_revoked):
            if expected[0] == "error":
                raise SystemExit(f"the Rust CLI failed on {desc} with CLIENT_REVOKED_SESSIONS: {expected[1]}")
            revoked_checks.append((f"{desc} [revoked sessions]", token, {"token": token}, expected))
            if token.startswith("ckat_") and (expected[0] == "ok" or expected[1] == "session_revoked"):
                revoked_checks.append((f"{desc} [revoked sessions, only client_keys]", token,
                                       {"token": token, "kinds": ["client_key"]}, ("refused", "wrong_kind", None)))

        def both_batches(port):
            return (run_batch(port, [c[2] for c in checks], env) +
                    run_batch(port, [c[2] for c in revoked_checks], revoked_env))

        with ThreadPoolExecutor(len(ports) or 1) as pool:
            answers = dict(zip(ports, pool.map(both_batches, ports)))

        passed, failed, message_notes = 0, len(plan_failures), 0
        for line in plan_failures:
            print(line)
        for port in ports:
            for (desc, token, _, expected), got in zip(checks + revoked_checks, answers[port]):
                if agree(expected, got):
                    passed += 1
                    if expected[0] == "refused" and expected[2] is not None and got[2] != expected[2]:
                        message_notes += 1
                        print(f"note  {port}: {desc}: message differs: rust {expected[2]!r}, port {got[2]!r}")
                else:
                    failed += 1
                    print(f"FAIL  {port}: {desc}\n      token {show(token)}\n      rust {expected[:2]}\n"
                          f"      port {got[:2]}")
        p, f = cli_checks(rust, ports, env, revoked_env, cases, secrets)
        passed, failed = passed + p, failed + f

    refused = {}
    for answer in rust_answers:
        key = "accepted" if answer[0] == "ok" else answer[1]
        refused[key] = refused.get(key, 0) + 1
    under_list = {}
    for answer in rust_revoked:
        key = "accepted" if answer[0] == "ok" else answer[1]
        under_list[key] = under_list.get(key, 0) + 1
    print(f"cases: {len(cases)} tokens ({', '.join(f'{k} {v}' for k, v in sorted(refused.items()))}), "
          f"{len(checks)} checks per port, ports: {', '.join(ports)}; Rust CLI calls took {rust_seconds:.1f}s, "
          f"all {time.time() - started:.1f}s")
    print(f"revoked sessions: {len(revoked_cases)} minted tokens under CLIENT_REVOKED_SESSIONS "
          f"({', '.join(f'{k} {v}' for k, v in sorted(under_list.items()))}), "
          f"{len(revoked_checks)} checks per port")
    if skipped:
        print(f"skipped {len(skipped)} cases that the Rust CLI would read as another token: {skipped}")
    if QUIRKS:
        print(f"note: the Rust CLI printed expires_at as a number for {len(QUIRKS)} verification(s) of expiries "
              f"after 9999-12-30T22:00:00Z (e.g. {QUIRKS[0]}); compared as RFC 3339")
    if message_notes:
        print(f"note: {message_notes} refusals for the same reason with another message")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def cap_checks(desc, token, at, expected):
    """Around the access-token lifetime cap, derived from the Rust order of checks (the CLI has
    no clock switch): an access token is malformed when `expires_at > now + max + 60`, after the
    expiry check and before the allowlist; a client key has no cap."""
    malformed = ("refused", "malformed", None)
    is_access = token.startswith("ckat_")
    out = []
    for max_ttl in (None, LOWER_TTL):
        latest = at - (MAX_ACCESS_TTL if max_ttl is None else max_ttl) - CLOCK_SKEW
        policy = {} if max_ttl is None else {"max_access_ttl": max_ttl}
        label = "" if max_ttl is None else f", max_access_ttl {max_ttl}"
        out.append((f"{desc} [now = expires_at - max - 60{label}]", token,
                    {"token": token, "now": latest, **policy}, expected))
        out.append((f"{desc} [now = expires_at - max - 61{label}]", token,
                    {"token": token, "now": latest - 1, **policy}, malformed if is_access else expected))
    if is_access:  # the kind is checked first, the cap before the allowlist
        out.append((f"{desc} [now = expires_at - max - 61, only client_keys]", token,
                    {"token": token, "now": at - MAX_ACCESS_TTL - CLOCK_SKEW - 1, "kinds": ["client_key"]},
                    ("refused", "wrong_kind", None)))
    return out


def cli_checks(rust, ports, env, revoked_env, cases, secrets):
    """Each driver as a command: the same stdout and exit code as `issue-client-key verify`."""
    by_desc = dict(cases)
    picks = ["metadata in byte order, not numeric", "name with BOM, LS, RLM, NBSP",
             "access token, session with quotes and commas", "expires a few seconds before 9999-12-31T23:59:59Z",
             "plain client key, revoked", "plain key: body byte 20 ^ 0x01", "garbage 0: ''"]
    runs = []  # (description, arguments, stdin, environment, a value no output may show)
    for desc in picks:
        runs.append((f"command: {desc}", [by_desc[desc]], None, env, None))
    runs.append(("command: token on stdin", [], (by_desc["plain client key"] + "\n").encode(), env, None))
    runs.append(("command: invalid CLIENT_SECRET", [by_desc["plain client key"]], None,
                 dict(env, CLIENT_SECRET=secrets[0][:-1] + "g"), secrets[0][:40]))
    runs.append(("command: CLIENT_KEYS not set", [by_desc["plain client key"]], None,
                 {k: v for k, v in env.items() if k != "CLIENT_KEYS"}, secrets[0][:40]))
    for desc in ["access token, session with quotes and commas", "access token, narrowed scope",
                 "access token, session starting with a dash", "plain client key"]:
        runs.append((f"command: {desc}, revoked sessions", [by_desc[desc]], None, revoked_env, None))
    bad_entry = "0123456789abcdef0123456789abcdef:tab#7@2027-01-16T08:01:00Z"
    runs.append(("command: invalid CLIENT_REVOKED_SESSIONS", [by_desc["plain client key"]], None,
                 dict(revoked_env, CLIENT_REVOKED_SESSIONS=revoked_env["CLIENT_REVOKED_SESSIONS"] + bad_entry),
                 "tab#7"))
    passed = failed = 0
    for desc, argv, stdin, run_env, hidden in runs:
        expected = rust.run(["verify", *(["--"] + argv if argv else [])], run_env, stdin)
        rust_out = normalize(expected.stdout.decode().rstrip("\n"))
        for port in ports:
            command = DRIVERS[port] + argv
            got = subprocess.run(command, env={"PATH": os.environ["PATH"], **run_env}, input=stdin or b"",
                                 capture_output=True, timeout=60)
            same = got.returncode == expected.returncode and got.stdout.decode().rstrip("\n") == rust_out
            if same and expected.returncode == 1:  # the same refusal sentence
                same = got.stderr.decode().split("token rejected: ")[-1] == \
                    expected.stderr.decode().split("token rejected: ")[-1]
            if same and expected.returncode == 2:  # the same variable named (and entry, if any)
                variable = re.search(r"CLIENT_\w+( entry \d+)?", expected.stderr.decode()).group(0)
                same = variable in got.stderr.decode()
            if same and hidden is not None:
                same = hidden not in got.stderr.decode() + got.stdout.decode()
            if same:
                passed += 1
            else:
                failed += 1
                print(f"FAIL  {port}: {desc}\n      rust exit {expected.returncode} {rust_out!r} "
                      f"{expected.stderr.decode().strip()!r}\n      port exit {got.returncode} "
                      f"{got.stdout.decode().strip()!r} {got.stderr.decode().strip()!r}")
    return passed, failed


if __name__ == "__main__":
    sys.exit(main())
