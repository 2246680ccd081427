"""client-keys verification of a plain key vs PyJWT HS256 decode (+ allowlist lookup), in
interleaved rounds; prints the median time of each and the median per-round ratio."""

import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))

import jwt  # noqa: E402  (PyJWT)

from client_keys import Verifier  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "200"))
vector = json.loads((HERE.parents[1] / "tests/vectors/client_key_v1.json").read_text())["valid"][0]
key_id, token = vector["key_id"], vector["token"]
ids = [key_id, "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e", "0" * 32]
verifier = Verifier(vector["secret"], ",".join(ids))
hmac_key = bytes.fromhex(vector["secret"])
encoded = jwt.encode({"key_id": key_id}, hmac_key, algorithm="HS256")
allowlist = frozenset(ids)


def client_keys():
    assert verifier.verify(token).key_id == key_id


def pyjwt():
    assert jwt.decode(encoded, hmac_key, algorithms=["HS256"])["key_id"] in allowlist


cases = {"client-keys verify (plain key)": client_keys,
         f"PyJWT {jwt.__version__} HS256 decode + lookup": pyjwt}


def per_op(f, n):
    started = time.perf_counter_ns()
    for _ in range(n):
        f()
    return (time.perf_counter_ns() - started) / n


for f in cases.values():
    per_op(f, 300)  # warm up
n = {name: max(1, round(2e6 / per_op(f, 300))) for name, f in cases.items()}  # ~2 ms a batch
times = {name: [] for name in cases}
for _ in range(ROUNDS):
    for name, f in cases.items():
        times[name].append(per_op(f, n[name]))
ck, jw = times.values()
ratios = sorted(j / c for j, c in zip(jw, ck))
for name, xs in times.items():
    print(f"python  {name:<48} {statistics.median(xs) / 1000:9.2f} us/op")
print(f"python  JWT / client-keys = {statistics.median(ratios):.2f}x (interquartile range "
      f"{ratios[len(ratios) // 4]:.2f}-{ratios[len(ratios) * 3 // 4]:.2f}, {ROUNDS} rounds)")
