"""Test-only token minting (the ports verify only), to craft the cases the vectors lack."""

import base64
import json
import os
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VECTORS = Path(os.environ.get("CLIENT_KEYS_VECTORS",
                              Path(__file__).resolve().parents[3] / "tests" / "vectors"))
S1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
S2 = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"
K1 = "00112233445566778899aabbccddeeff"
K2 = "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e"
FAR = 4102444800  # 2100-01-01T00:00:00Z: for client keys, which have no longest lifetime
# For access tokens verified at the real clock: within their 24 hours (MAX_ACCESS_TTL).
SOON = int(time.time()) + 3600


def revoked_entry(key_id, session_id=None, until="2027-01-16T08:01:00Z"):
    """A CLIENT_REVOKED_SESSIONS entry, percent-encoding the session id (test-only writer)."""
    if session_id is None:
        return f"{key_id}@{until}"
    encoded = "".join(c if c.isascii() and (c.isalnum() or c in "-._~") else f"%{ord(c):02X}"
                      for c in session_id)
    return f"{key_id}:{encoded}@{until}"


def vector_files():
    """(kind, document) of every vector file."""
    for path in sorted(VECTORS.glob("*_v1.json")):
        kind = "access_token" if path.name.startswith("access_token") else "client_key"
        yield kind, json.loads(path.read_text(encoding="utf-8"))


def _derive(secret_hex, label, length=32):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"client-keys/v1",
                info=label).derive(bytes.fromhex(secret_hex))


def claim(tag, value):
    return bytes([tag, len(value)]) + value


def claims(expires_at=None, name=None, scopes=(), metadata=(), session_id=None):
    """Claims in the order given (no sorting, no checks), to craft non-canonical ones too."""
    out = b""
    if expires_at is not None:
        out += claim(1, expires_at.to_bytes(8, "big"))
    if name is not None:
        out += claim(2, name if isinstance(name, bytes) else name.encode())
    for scope in scopes:
        out += claim(3, scope.encode())
    for key, value in metadata:
        value = value if isinstance(value, bytes) else value.encode()
        out += claim(4, bytes([len(key)]) + key.encode() + value)
    if session_id is not None:
        out += claim(5, session_id.encode())
    return out


def seal(kind="client_key", key_id=K1, claim_bytes=b"", secret=S1, nonce=b"\x07" * 12):
    """A token of `kind` carrying `key_id || claim_bytes`, sealed under `secret`."""
    prefix, kind_byte, label = {
        "client_key": (b"ckey_", 1, b"client-keys/v1 client-key aes-256-gcm"),
        "access_token": (b"ckat_", 2, b"client-keys/v1 access-token aes-256-gcm"),
    }[kind]
    header = bytes([1, kind_byte]) + _derive(secret, b"client-keys/v1 secret-id", 4)
    sealed = AESGCM(_derive(secret, label)).encrypt(nonce, bytes.fromhex(key_id) + claim_bytes,
                                                    prefix + header)
    return (prefix + base64.urlsafe_b64encode(header + nonce + sealed).rstrip(b"=")).decode()
