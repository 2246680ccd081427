#!/usr/bin/env python3
"""An independent implementation of the client-keys token format v1, written from
docs/FORMAT.md alone, that generates and checks the test vectors in this folder.

    python3 tests/vectors/reference.py check      # exit 0 when every vector agrees
    python3 tests/vectors/reference.py generate   # rewrite the *_v1.json files

Needs the `cryptography` package (AES-GCM and HKDF); nothing else.
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import json
import os
import re
import sys
import unicodedata
import urllib.parse

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_TOKEN_LEN = 512
PREFIX = {1: b"ckey_", 2: b"ckat_"}
TAG_EXPIRES_AT, TAG_NAME, TAG_SCOPE, TAG_METADATA, TAG_SESSION_ID = 1, 2, 3, 4, 5
CLIENT_KEY, ACCESS_TOKEN = 1, 2
MAX_EXPIRES_AT = 253402300799
MAX_ACCESS_TTL = 24 * 3600  # an access token expires at most this long after `now` ...
CLOCK_SKEW = 60  # ... plus this much for the minting server's clock


class Reject(Exception):
    """A token was refused; .kind is one of the documented error names."""

    def __init__(self, kind, why):
        super().__init__(f"{kind}: {why}")
        self.kind = kind


def derive(secret, label, length=32):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"client-keys/v1",
                info=label).derive(secret)


def secret_id(secret):
    return derive(secret, b"client-keys/v1 secret-id", 4)


def cipher_key(secret, kind):
    label = {CLIENT_KEY: b"client-keys/v1 client-key aes-256-gcm",
             ACCESS_TOKEN: b"client-keys/v1 access-token aes-256-gcm"}[kind]
    return derive(secret, label)


def access_nonce_key(secret):
    return derive(secret, b"client-keys/v1 access-token nonce hmac-sha256")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def b64url_strict(text):
    if not re.fullmatch(rb"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise Reject("malformed", "not base64url")
    data = base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    if b64url(data) != text:  # non-zero unused bits
        raise Reject("malformed", "not canonical base64url")
    return data


def is_text(value, lo, hi):
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return lo <= len(value) <= hi and not any(unicodedata.category(c) == "Cc" for c in text)


def is_scope(value):
    return 1 <= len(value) <= 32 and all(
        b == 0x21 or 0x23 <= b <= 0x2B or 0x2D <= b <= 0x5B or 0x5D <= b <= 0x7E for b in value)


def is_meta_key(value):
    return 1 <= len(value) <= 32 and re.fullmatch(rb"[A-Za-z0-9_.-]+", value) is not None


def encode_claims(claims):
    out = b""
    if claims.get("expires_at") is not None:
        out += bytes([TAG_EXPIRES_AT, 8]) + claims["expires_at"].to_bytes(8, "big")
    if claims.get("name") is not None:
        name = claims["name"].encode()
        out += bytes([TAG_NAME, len(name)]) + name
    for scope in sorted(set(s.encode() for s in claims.get("scopes", []))):
        out += bytes([TAG_SCOPE, len(scope)]) + scope
    for key, value in sorted((k.encode(), v.encode()) for k, v in claims.get("metadata", {}).items()):
        out += bytes([TAG_METADATA, 1 + len(key) + len(value), len(key)]) + key + value
    if claims.get("session_id") is not None:
        session = claims["session_id"].encode()
        out += bytes([TAG_SESSION_ID, len(session)]) + session
    return out


def decode_claims(data):
    claims = {"expires_at": None, "name": None, "scopes": [], "metadata": {}, "session_id": None}
    last_tag, last_scope, last_key, i = 0, None, None, 0
    bad = Reject("malformed", "bad claims")
    while i < len(data):
        if i + 2 > len(data) or i + 2 + data[i + 1] > len(data):
            raise bad
        tag, value = data[i], data[i + 2:i + 2 + data[i + 1]]
        i += 2 + data[i + 1]
        if tag < last_tag or (tag == last_tag and tag not in (TAG_SCOPE, TAG_METADATA)):
            raise bad
        last_tag = tag
        if tag == TAG_EXPIRES_AT:
            if len(value) != 8 or not 1 <= int.from_bytes(value, "big") <= MAX_EXPIRES_AT:
                raise bad
            claims["expires_at"] = int.from_bytes(value, "big")
        elif tag == TAG_NAME:
            if not is_text(value, 1, 64):
                raise bad
            claims["name"] = value.decode()
        elif tag == TAG_SCOPE:
            if not is_scope(value) or (last_scope is not None and value <= last_scope) \
                    or len(claims["scopes"]) == 16:
                raise bad
            last_scope = value
            claims["scopes"].append(value.decode())
        elif tag == TAG_METADATA:
            if len(value) < 1 or len(value) < 1 + value[0]:
                raise bad
            key, val = value[1:1 + value[0]], value[1 + value[0]:]
            if not is_meta_key(key) or (last_key is not None and key <= last_key) \
                    or not is_text(val, 0, 128) or len(claims["metadata"]) == 8:
                raise bad
            last_key = key
            claims["metadata"][key.decode()] = val.decode()
        elif tag == TAG_SESSION_ID:
            if not 1 <= len(value) <= 64 or not all(0x21 <= b <= 0x7E for b in value):
                raise bad
            claims["session_id"] = value.decode()
        else:
            raise bad
    return claims


def seal(secret, kind, nonce, plaintext, version=1, key_kind=None):
    header = bytes([version, kind]) + secret_id(secret)
    key = cipher_key(secret, key_kind or kind)
    sealed = AESGCM(key).encrypt(nonce, plaintext, PREFIX[kind] + header)
    return (PREFIX[kind] + b64url(header + nonce + sealed)).decode()


def mint(secret, key_id, nonce, claims):
    return seal(secret, CLIENT_KEY, nonce, key_id + encode_claims(claims))


def mint_access(secret, parent_key_id, claims):
    """An access token; its nonce is HMAC-SHA256(access_nonce_key, aad || plaintext)[:12]."""
    plaintext = parent_key_id + encode_claims(claims)
    aad = PREFIX[ACCESS_TOKEN] + bytes([1, ACCESS_TOKEN]) + secret_id(secret)
    nonce = hmac.new(access_nonce_key(secret), aad + plaintext, hashlib.sha256).digest()[:12]
    return seal(secret, ACCESS_TOKEN, nonce, plaintext)


def verify(token, secrets, allowlist, now, revoked=frozenset()):
    """The numbered Verifying steps of docs/FORMAT.md."""
    token = token.encode()
    if len(token) > MAX_TOKEN_LEN:                                        # 1
        raise Reject("malformed", "too long")
    kinds = {v: k for k, v in PREFIX.items()}
    kind = kinds.get(token[:5])                                           # 2
    if kind is None:
        raise Reject("malformed", "unknown prefix")
    body = b64url_strict(token[5:])                                       # 3
    if len(body) < 50:                                                    # 4
        raise Reject("malformed", "too short")
    if body[0] != 1:                                                      # 5
        raise Reject("malformed", "unsupported version")
    if body[1] != kind:
        raise Reject("malformed", "kind does not match prefix")
    matching = [s for s in secrets if secret_id(s) == body[2:6]]          # 6
    if not matching:
        raise Reject("unknown_secret", "no such secret")
    for secret in matching:                                               # 7
        try:
            plaintext = AESGCM(cipher_key(secret, kind)).decrypt(
                body[6:18], body[18:], PREFIX[kind] + body[0:6])
            break
        except InvalidTag:
            continue
    else:
        raise Reject("forged", "does not decrypt")
    key_id, claims = plaintext[:16], decode_claims(plaintext[16:])        # 8
    if kind == CLIENT_KEY and claims["session_id"] is not None:
        raise Reject("malformed", "session id in a client key")
    if kind == ACCESS_TOKEN and (claims["expires_at"] is None or claims["name"] is not None
                                 or claims["metadata"]):
        raise Reject("malformed", "access token claims")
    if claims["expires_at"] is not None and now >= claims["expires_at"]:  # 9
        raise Reject("expired", "expired")
    if kind == ACCESS_TOKEN and claims["expires_at"] > now + MAX_ACCESS_TTL + CLOCK_SKEW:
        raise Reject("malformed", "access token lives too long")
    if key_id.hex() not in allowlist:                                     # 10
        raise Reject("key_not_allowed", "not in CLIENT_KEYS")
    if kind == ACCESS_TOKEN and (key_id.hex(), claims["session_id"]) in revoked:  # 10b
        raise Reject("session_revoked", "session in CLIENT_REVOKED_SESSIONS")
    return kind, key_id.hex(), claims                                     # 11


def parse_allowlist(text):
    return {e.strip().lower() for e in text.split(",") if e.strip()}


REVOKED_ENTRY = re.compile(r"([0-9a-fA-F]{32})(?::((?:[A-Za-z0-9._~-]|%[0-9a-fA-F]{2})+))?"
                           r"@([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)")


def parse_revoked(text):
    """CLIENT_REVOKED_SESSIONS: {(parent key id, session id or None)}; a bad entry is an error."""
    revoked = set()
    for entry in (e.strip() for e in (text or "").split(",")):
        if not entry:
            continue
        m = REVOKED_ENTRY.fullmatch(entry)
        if m is None:
            raise ValueError(f"bad CLIENT_REVOKED_SESSIONS entry {entry!r}")
        if datetime.datetime.strptime(m[3], "%Y-%m-%dT%H:%M:%SZ").year < 1970:  # a date that exists
            raise ValueError(f"UNTIL before 1970 in {entry!r}")
        session = None
        if m[2] is not None:
            session = urllib.parse.unquote_to_bytes(m[2]).decode("ascii", "replace")
            if not 1 <= len(session) <= 64 or not all(0x21 <= ord(c) <= 0x7e for c in session):
                raise ValueError(f"bad session id in {entry!r}")
        revoked.add((m[1].lower(), session))
    return revoked


def h(hexstr):
    return binascii.unhexlify(hexstr)


# ---------------------------------------------------------------- vector generation

S1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
S2 = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
K1 = "00112233445566778899aabbccddeeff"
K2 = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e"
N1 = "000000000000000000000001"
N2 = "a1a2a3a4a5a6a7a8a9aaabac"
FAR = 4102444800  # 2100-01-01T00:00:00Z
NOW = 1800000000  # 2027-01-15T08:00:00Z: the time every case is verified at
SOON = NOW + 3600  # an access token's expiry: within its 24 hours of NOW
UNTIL = "2027-01-16T08:01:00Z"  # a revoked session's entry, revoked at NOW
EMPTY = {"expires_at": None, "name": None, "scopes": [], "metadata": {}, "session_id": None}


def claims(**kw):
    return {**EMPTY, **kw}


def generate_client_keys():
    valid = [
        dict(desc="plain key, no claims", secret=S1, key_id=K1, nonce=N1, claims=claims()),
        dict(desc="plain key, upper-case secret", secret=S2.upper(), key_id=K2, nonce=N2,
             claims=claims()),
        dict(desc="expiry only", secret=S1, key_id=K2, nonce=N2, claims=claims(expires_at=FAR)),
        dict(desc="every claim", secret=S2, key_id=K1, nonce=N1,
             claims=claims(expires_at=FAR, name="Billing worker \u2713", scopes=["read", "write"],
                           metadata={"env": "prod", "team": "payments"})),
        dict(desc="empty metadata value, one scope", secret=S1, key_id=K1, nonce=N2,
             claims=claims(scopes=["apps:read"], metadata={"note": ""})),
        dict(desc="minted under a previous secret, verified after rotation", secret=S1,
             key_id=K2, nonce=N1, claims=claims(name="before rotation"),
             verifier_secret=S2, previous_secrets=[S1]),
    ]
    for case in valid:
        case["token"] = mint(h(case["secret"].lower()), h(case["key_id"]), h(case["nonce"]),
                             case["claims"])

    s1, s2 = h(S1), h(S2)
    good = mint(s1, h(K1), h(N1), claims())
    body = b64url_strict(good.encode()[5:])

    def flip(data, index, bit=1):
        return data[:index] + bytes([data[index] ^ bit]) + data[index + 1:]

    def text(data):
        return "ckey_" + b64url(data).decode()

    def sealed_with_plaintext(plaintext, nonce=N2):
        return seal(s1, 1, h(nonce), plaintext)

    last = good[-1]
    # A character whose 6 bits differ from `last` only in the 4 unused low bits (50 bytes
    # leave 4 unused bits in the last of 67 characters).
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    non_canonical = alphabet[alphabet.index(last) | 1]
    assert non_canonical != last
    invalid = [
        ("empty token", ""),
        ("over 512 characters", good + "A" * (MAX_TOKEN_LEN + 1 - len(good))),
        ("unknown prefix", "ckez_" + good[5:]),
        ("no prefix", good[5:]),
        ("upper-case prefix", "CKEY_" + good[5:]),
        ("access-token prefix on a client key body (kind mismatch)", "ckat_" + good[5:]),
        ("base64 padding", good + "="),
        ("non-canonical base64: unused bits set", good[:-1] + non_canonical),
        ("standard base64 alphabet character", good[:10] + "+" + good[11:]),
        ("whitespace inside", good[:20] + " " + good[20:]),
        ("truncated by one character", good[:-1]),
        ("truncated to 49 bytes", text(body[:49])),
        ("a JWT", "eyJhbGciOiJIUzI1NiJ9.eyJrZXlfaWQiOiJ4In0.c2lnbmF0dXJl"),
        ("version 2", text(bytes([2]) + body[1:])),
        ("version 0", text(bytes([0]) + body[1:])),
        ("kind byte 2 under the client-key prefix", text(body[:1] + bytes([2]) + body[2:])),
        ("secret id of no configured secret", text(body[:2] + b"\0\0\0\0" + body[6:])),
        ("minted under another secret", mint(s2, h(K1), h(N1), claims())),
        ("nonce bit flipped", text(flip(body, 10))),
        ("ciphertext bit flipped", text(flip(body, 20))),
        ("tag bit flipped", text(flip(body, len(body) - 1, 0x80))),
        ("another secret's ciphertext under this secret's id",
         text(body[:2] + secret_id(s1) + b64url_strict(mint(s2, h(K1), h(N1), claims()).encode()[5:])[6:])),
        ("expired", mint(s1, h(K1), h(N1), claims(expires_at=1_000_000_000))),
        ("key id not in CLIENT_KEYS", mint(s1, h(K2), h(N1), claims())),
        ("unknown claim tag", sealed_with_plaintext(h(K1) + bytes([9, 1, 0x41]))),
        ("claims out of order", sealed_with_plaintext(
            h(K1) + bytes([TAG_NAME, 1, 0x61, TAG_EXPIRES_AT, 8]) + FAR.to_bytes(8, "big"))),
        ("scopes not sorted", sealed_with_plaintext(
            h(K1) + bytes([TAG_SCOPE, 1, 0x62, TAG_SCOPE, 1, 0x61]))),
        ("expiry beyond 9999-12-31", sealed_with_plaintext(
            h(K1) + bytes([TAG_EXPIRES_AT, 8]) + (2**64 - 1).to_bytes(8, "big"))),
        ("truncated claim", sealed_with_plaintext(h(K1) + bytes([TAG_NAME, 5, 0x61]))),
        ("plaintext of 17 bytes with a lone claim byte", sealed_with_plaintext(h(K1) + b"\x02")),
        ("a session id, which only access tokens carry", sealed_with_plaintext(
            h(K1) + bytes([TAG_SESSION_ID, 2]) + b"s1")),
    ]
    return {
        "format": "client-keys token v1, client key (ckey_)",
        "spec": "docs/FORMAT.md",
        "valid": [{**case, "now": NOW} for case in valid],
        "invalid": reject_all(invalid),
    }


def reject_all(invalid):
    """Each case with the error the reference verifier gives (S1, CLIENT_KEYS=K1)."""
    cases = []
    for desc, token, *revoked in invalid:
        case = dict(desc=desc, secret=S1, client_keys=K1, token=token, now=NOW)
        if revoked:
            case["revoked_sessions"] = revoked[0]
        try:
            verify(token, [h(S1)], parse_allowlist(K1), NOW, parse_revoked(case.get("revoked_sessions")))
            raise SystemExit(f"invalid vector {desc!r} verifies")
        except Reject as e:
            case["error"] = e.kind
        cases.append(case)
    return cases


def generate_access_tokens():
    valid = [
        dict(desc="all of the parent's scopes, no session", secret=S1, key_id=K1,
             claims=claims(expires_at=SOON, scopes=["read", "write"])),
        dict(desc="no scopes, a session id", secret=S2, key_id=K2,
             claims=claims(expires_at=SOON, session_id="browser-tab-7")),
        dict(desc="a session id whose near misses are revoked (other session, other case, "
                  "other parent, the parent's default session)", secret=S1, key_id=K1,
             claims=claims(expires_at=SOON, session_id="tab#7,a"),
             revoked_sessions=f"{K1}:tab%237%2Cb@{UNTIL}, {K1}:TAB%237%2CA@{UNTIL},"
                              f"{K2}:tab%237%2Ca@{UNTIL}, {K1}@{UNTIL}"),
        dict(desc="narrowed scope and a UUID session, expiring at the latest accepted second", secret=S1, key_id=K1,
             claims=claims(expires_at=NOW + MAX_ACCESS_TTL + CLOCK_SKEW, scopes=["read"],
                           session_id="6f1c2a0e-8d3b-4c55-9a7e-2b1f0c9d8e7a")),
    ]
    for case in valid:
        case["token"] = mint_access(h(case["secret"]), h(case["key_id"]), case["claims"])
    s1, s2 = h(S1), h(S2)
    good = mint_access(s1, h(K1), claims(expires_at=SOON, scopes=["read"]))
    body = b64url_strict(good.encode()[5:])

    def text(prefix, data):
        return prefix + b64url(data).decode()

    def sealed(plaintext):
        return seal(s1, ACCESS_TOKEN, h(N1), plaintext)

    client_body = b64url_strict(mint(s1, h(K1), h(N1), claims()).encode()[5:])
    invalid = [
        ("client-key prefix on an access token body", "ckey_" + good[5:]),
        ("kind byte 1 under the access-token prefix", text("ckat_", body[:1] + b"\x01" + body[2:])),
        ("client key body re-labelled as an access token (kind byte and prefix)",
         text("ckat_", client_body[:1] + b"\x02" + client_body[2:])),
        ("sealed with the client-key key (right prefix, header and claims)",
         seal(s1, ACCESS_TOKEN, h(N1), h(K1) + encode_claims(claims(expires_at=SOON)),
              key_kind=CLIENT_KEY)),
        ("tag bit flipped", text("ckat_", body[:-1] + bytes([body[-1] ^ 1]))),
        ("minted under another secret", mint_access(s2, h(K1), claims(expires_at=SOON))),
        ("expired", mint_access(s1, h(K1), claims(expires_at=1_000_000_000))),
        ("parent key id not in CLIENT_KEYS", mint_access(s1, h(K2), claims(expires_at=SOON))),
        ("no expiry", sealed(h(K1) + encode_claims(claims(scopes=["read"])))),
        ("carries a name", sealed(h(K1) + encode_claims(claims(expires_at=SOON, name="x")))),
        ("carries metadata", sealed(h(K1) + encode_claims(claims(expires_at=SOON, metadata={"a": "b"})))),
        ("expires more than 24 hours and 60 seconds after now",
         mint_access(s1, h(K1), claims(expires_at=NOW + MAX_ACCESS_TTL + CLOCK_SKEW + 1))),
        ("expires in year 9999", mint_access(s1, h(K1), claims(expires_at=MAX_EXPIRES_AT))),
        ("session revoked", mint_access(s1, h(K1), claims(expires_at=SOON, session_id="browser-tab-7")),
         f"{K2}:browser-tab-7@{UNTIL}, {K1}:browser-tab-7@{UNTIL}"),
        ("session revoked, listed with escapes and an upper-case key id",
         mint_access(s1, h(K1), claims(expires_at=SOON, session_id="a,b#c$d%e")),
         f"{K1.upper()}:a%2cb%23c%24d%25%65@{UNTIL}"),
        ("default session (no session id) revoked",
         mint_access(s1, h(K1), claims(expires_at=SOON)), f"{K1}:browser-tab-7@{UNTIL},{K1}@{UNTIL}"),
        ("session revoked, its entry's time passed (a listed session stays refused)",
         mint_access(s1, h(K1), claims(expires_at=SOON, session_id="s")), f"{K1}:s@2020-01-01T00:00:00Z"),
        ("session id with a space", sealed(h(K1) + encode_claims(claims(expires_at=SOON)) + b"\x05\x03a b")),
    ]
    return {
        "format": "client-keys token v1, access token (ckat_)",
        "spec": "docs/FORMAT.md",
        "valid": [{**case, "now": NOW} for case in valid],
        "invalid": reject_all(invalid),
    }


def check(doc, kind):
    failures = 0
    for case in doc["valid"]:
        now = case["now"]
        secret = h(case["secret"].lower())
        if kind == CLIENT_KEY:
            token = mint(secret, h(case["key_id"]), h(case["nonce"]), case["claims"])
        else:
            token = mint_access(secret, h(case["key_id"]), case["claims"])
        secrets = [h(case.get("verifier_secret", case["secret"]).lower())] + \
            [h(s.lower()) for s in case.get("previous_secrets", [])]
        try:
            got_kind, key_id, got = verify(case["token"], secrets, {case["key_id"]}, now,
                                           parse_revoked(case.get("revoked_sessions")))
        except Reject as e:
            got_kind, key_id, got = None, None, str(e)
        if token != case["token"] or (got_kind, key_id, got) != (kind, case["key_id"], case["claims"]):
            failures += 1
            print(f"FAIL valid: {case['desc']}")
    for case in doc["invalid"]:
        now = case["now"]
        try:
            verify(case["token"], [h(case["secret"])], parse_allowlist(case["client_keys"]), now,
                   parse_revoked(case.get("revoked_sessions")))
            got = "accepted"
        except Reject as e:
            got = e.kind
        if got != case["error"]:
            failures += 1
            print(f"FAIL invalid: {case['desc']}: {got} != {case['error']}")
    total = len(doc["valid"]) + len(doc["invalid"])
    return total - failures, failures


FILES = {"client_key_v1.json": (CLIENT_KEY, generate_client_keys),
         "access_token_v1.json": (ACCESS_TOKEN, generate_access_tokens)}


def main():
    if sys.argv[1:] == ["generate"]:
        for name, (_, make) in FILES.items():
            with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
                json.dump(make(), f, indent=2, ensure_ascii=False)
                f.write("\n")
    elif sys.argv[1:] == ["check"]:
        passed = failed = 0
        for name, (kind, _) in FILES.items():
            with open(os.path.join(HERE, name), encoding="utf-8") as f:
                p, fl = check(json.load(f), kind)
            passed, failed = passed + p, failed + fl
        print(f"reference implementation: {passed} passed, {failed} failed")
        sys.exit(0 if failed == 0 else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
