#!/usr/bin/env python3
"""The table of figures and ratios for docs/PERFORMANCE.md.

Reads what the benchmarks left in the target directory (`$CARGO_TARGET_DIR` or `./target`):
  criterion/verify/*/new/estimates.json   cargo bench -p client-keys-benches --bench verify   (targets 1-4)
  criterion/steps/*/new/estimates.json    (same run; sub-steps of verify)
  perf/ratios.json                        cargo bench -p client-keys-benches --bench ratios   (targets 1-4, paired)
  perf/threads.json                       cargo bench -p client-keys-benches --bench threads  (target 5)
  perf/cli.json                           scripts/bench-cli.sh         (target 6)
  perf/server.json                        scripts/bench-server.sh      (target 7)
and prints Markdown. A missing input is reported as "not run", never guessed. The verdicts of
targets 1-4 use the paired ratios of `benches/ratios.rs` (median of per-round ratios, robust to
a busy neighbour) when present, else the ratio of criterion's medians.
"""

import json
import os
import sys
from pathlib import Path

target = Path(os.environ.get("CARGO_TARGET_DIR", Path(__file__).resolve().parent.parent / "target"))


def estimate(group, name):
    path = target / "criterion" / group / name / "new" / "estimates.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    return data["median"]["point_estimate"]


def load(name):
    try:
        return json.loads((target / "perf" / name).read_text())
    except FileNotFoundError:
        return None


def ns(x):
    if x is None:
        return "not run"
    if x >= 1e6:
        return f"{x / 1e6:,.2f} ms"
    if x >= 1e4:
        return f"{x / 1e3:,.1f} µs"
    return f"{x:,.1f} ns"


def ratio(a, b):
    return None if a is None or b is None else a / b


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}×"


def verdict(r, ok):
    if r is None:
        return "not run"
    return "holds" if ok(r) else "**fails**"


v = lambda name: estimate("verify", name)
floor = v("floor_aes256gcm_open_16B")
plain = v("verify_plain_3_ids")

rows = [
    ("floor: AES-256-GCM open, 16 B, no AAD (cipher keyed)", "floor_aes256gcm_open_16B", "floor"),
    ("AES-256-GCM open, 16 B, 11 B AAD (as a token)", "floor_aes256gcm_open_16B_aad11", "floor"),
    ("`verify`, plain key, 3 ids", "verify_plain_3_ids", "floor"),
    ("`verify`, plain key, 100,000 ids", "verify_plain_100k_ids", "floor"),
    ("`verify`, key with claims (name, 2 scopes, 1 metadata, expiry)", "verify_claims", "floor"),
    ("`verify_authorization` (`Bearer …` header), plain key", "verify_authorization_plain", "floor"),
    ("`verify`, tampered token (rejected at the tag)", "reject_tampered", "floor"),
    ("`verify`, 1 MiB garbage (rejected)", "reject_1mib", "floor"),
    ("`verify`, 3 tokens in turn, 3 ids", "verify_spread_3_ids", "floor"),
    ("`verify`, 1,024 tokens in turn, 100,000 ids", "verify_spread_100k_ids", "floor"),
    ("jsonwebtoken HS256 decode `{\"key_id\"}` + set lookup", "jwt_hs256_decode_lookup", "verify"),
    ("pasetors v4.local decrypt (key id payload) + set lookup", "paseto_v4_local_decrypt_lookup", "verify"),
    ("mint a plain key (`Issuer::issue`)", "mint_plain", "floor"),
]

print("| measurement | median | × floor | × our verify |")
print("| --- | ---: | ---: | ---: |")
for label, name, _ in rows:
    x = v(name)
    print(f"| {label} | {ns(x)} | {fmt_ratio(ratio(x, floor))} | {fmt_ratio(ratio(x, plain))} |")

steps = [
    ("base64url decode of the token body into a stack buffer", "base64_decode_slice"),
    ("zero-initialise the 380-byte stack buffer", "stack_buf_380_init"),
    ("zeroize the ~50 decoded bytes", "zeroize_50B"),
    ("allowlist lookup, 3 ids", "allowlist_contains_3"),
    ("allowlist lookup, 100,000 ids", "allowlist_contains_100k"),
    ("`SystemTime::now` (keys with an expiry only)", "system_time_now"),
    ("`KeyId::generate` (getrandom, minting only)", "key_id_generate_getrandom"),
]
print()
print("Sub-steps of `verify` (same run):")
print()
print("| step | median | × floor |")
print("| --- | ---: | ---: |")
for label, name in steps:
    x = estimate("steps", name)
    print(f"| {label} | {ns(x)} | {fmt_ratio(ratio(x, floor))} |")

threads = load("threads.json")
cli = load("cli.json")
server = load("server.json")

paired = load("ratios.json")


def pr(name, fallback):
    """A paired ratio from ratios.json, else the criterion ratio."""
    if paired and name in paired["ratios"]:
        return paired["ratios"][name]["median"]
    return fallback


t1 = pr("verify_plain_3_ids/floor", ratio(plain, floor))
t2j = pr("jwt_hs256_decode_lookup/verify_plain_3_ids", ratio(v("jwt_hs256_decode_lookup"), plain))
t2p = pr("paseto_v4_local_decrypt_lookup/verify_plain_3_ids",
         ratio(v("paseto_v4_local_decrypt_lookup"), plain))
t3 = pr("verify_plain_100k_ids/verify_plain_3_ids", ratio(v("verify_plain_100k_ids"), plain))
t3s = ratio(v("verify_spread_100k_ids"), v("verify_spread_3_ids"))
t4 = pr("reject_1mib/floor", ratio(v("reject_1mib"), floor))
t5 = threads and threads["verify_ratio"]
t5f = threads and threads["floor_ratio"]
if cli:
    r = {x["command"]: x for x in cli["results"]}
    ours, ssl = r.get("issue-client-key"), r.get("openssl rand -hex 32")
    t6 = ours and ssl and ours["median"] / ssl["median"]
    cli_detail = ours and ssl and (
        f"{ours['median'] * 1e3:.2f} ms vs {ssl['median'] * 1e3:.2f} ms"
    )
else:
    t6 = cli_detail = None
t7 = server and server["with"]["rps"] / server["without"]["rps"]

if paired:
    print()
    print(f"Paired ratios (`benches/ratios.rs`, {paired['rounds']} interleaved rounds; median [p25, p75]):")
    print()
    print("| ratio | median | p25 | p75 |")
    print("| --- | ---: | ---: | ---: |")
    for name, r in paired["ratios"].items():
        print(f"| {name} | {r['median']:.3f} | {r['p25']:.3f} | {r['p75']:.3f} |")

print()
print("| target | required | measured | verdict |")
print("| --- | --- | ---: | --- |")
src = "paired" if paired else "criterion medians"
print(f"| 1. plain `verify` / floor ({src}) | ≤ 1.50 | {fmt_ratio(t1)} | {verdict(t1, lambda r: r <= 1.5)} |")
print(f"| 2a. jsonwebtoken HS256 / `verify` | ≥ 4.00 | {fmt_ratio(t2j)} | {verdict(t2j, lambda r: r >= 4)} |")
print(f"| 2b. pasetors v4.local / `verify` | > 1.00 | {fmt_ratio(t2p)} | {verdict(t2p, lambda r: r > 1)} |")
print(f"| 3. 100,000 ids / 3 ids (same token) | ≤ 1.15 | {fmt_ratio(t3)} | {verdict(t3, lambda r: r <= 1.15)} |")
print(f"| 3'. 100,000 ids / 3 ids (tokens in turn, cache misses) | (≤ 1.15) | {fmt_ratio(t3s)} | {verdict(t3s, lambda r: r <= 1.15)} |")
print(f"| 4. 1 MiB rejected / floor | ≤ 2.00 | {fmt_ratio(t4)} | {verdict(t4, lambda r: r <= 2)} |")
thr = "not run" if t5 is None else f"{t5:.2f}× (AES alone: {t5f:.2f}×; relative {t5 / t5f:.2f})"
print(f"| 5. throughput 2 threads / 1 thread | ≥ 1.80 | {thr} | {verdict(t5, lambda r: r >= 1.8)} |")
print("| 5'. allocations in `verify` of a plain key | 0 | `cargo test --test no_alloc` | asserted by the test |")
c6 = "not run" if t6 is None else f"{t6:.2f}× ({cli_detail})"
print(f"| 6. `issue-client-key` / `openssl rand -hex 32` | ≤ 1.00 | {c6} | {verdict(t6, lambda r: r <= 1.0)} |")
if server:
    s7 = f"{t7:.3f} ({server['with']['rps']:,.0f} vs {server['without']['rps']:,.0f} req/s)"
else:
    s7 = "not run"
print(f"| 7. req/s with middleware / without | ≥ 0.95 | {s7} | {verdict(t7, lambda r: r >= 0.95)} |")

if "--check" in sys.argv:
    failed = [n for n, r, ok in [
        ("1", t1, lambda r: r <= 1.5), ("2a", t2j, lambda r: r >= 4), ("2b", t2p, lambda r: r > 1),
        ("3", t3, lambda r: r <= 1.15), ("4", t4, lambda r: r <= 2),
        ("5", t5, lambda r: r >= 1.8), ("6", t6, lambda r: r <= 1.0), ("7", t7, lambda r: r >= 0.95),
    ] if r is not None and not ok(r)]
    sys.exit(1 if failed else 0)
