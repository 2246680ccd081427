#!/usr/bin/env bash
# Performance target 7: requests per second of the example server's protected `GET /apps` (valid
# token, ClientKeyLayer, the example's logging) against the same handler without the
# middleware, on 127.0.0.1, with wrk. A third route, the bare handler behind ClientKeyLayer
# alone, tells the layer's own cost apart. Bounded: ROUNDS x 3 runs of DURATION seconds, the
# routes alternating, after a warm-up run each. Writes target/perf/server.json.
#
#   scripts/bench-server.sh                      # 3 rounds of 8 s per route
#   ROUNDS=5 DURATION=5s scripts/bench-server.sh
#   BENCH_SERVER_LOG=off scripts/bench-server.sh # no tracing subscriber (logging cost apart)
#
# Needs wrk (Debian: apt-get install -y wrk). The server is benches/server.rs (feature axum);
# it stops when this script ends (its stdin closes) or after 15 minutes whatever happens. Its
# log (one line per accepted request, as the example writes) goes to /dev/null, the cheapest
# sink, unless BENCH_SERVER_STDERR names a file.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
rounds=${ROUNDS:-3}
duration=${DURATION:-8s}
connections=${CONNECTIONS:-32}

command -v wrk >/dev/null || { echo "bench-server: wrk is not installed" >&2; exit 2; }

bin=$(cargo bench -p client-keys-benches --bench server --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "server" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "bench-server: could not build benches/server.rs" >&2; exit 1; }

work=$(mktemp -d)
fifo=$work/stdin
mkfifo "$fifo"
server_pid=
cleanup() {
    exec 3>&- 2>/dev/null || true   # closing the server's stdin stops it
    if [ -n "$server_pid" ]; then wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
umask 077
BENCH_SERVER_TOKEN_FILE=$work/token BENCH_SERVER_MAX_SECS=900 \
    "$bin" --bench <"$fifo" >"$work/urls" 2>"${BENCH_SERVER_STDERR:-/dev/null}" &
server_pid=$!
exec 3>"$fifo"
for _ in $(seq 100); do
    [ "$(wc -l <"$work/urls")" -ge 3 ] && break
    sleep 0.1
done
with=$(awk '$1 == "with" {print $2}' "$work/urls")
without=$(awk '$1 == "without" {print $2}' "$work/urls")
layer=$(awk '$1 == "layer" {print $2}' "$work/urls")
[ -n "$with" ] && [ -n "$without" ] && [ -n "$layer" ] || { echo "bench-server: the server did not start" >&2; exit 1; }
auth="Authorization: Bearer $(cat "$work/token")"

# One wrk run; prints requests/s, fails on any non-2xx answer or socket error.
run() {
    local out
    case $1 in
    with) out=$(wrk -t1 -c"$connections" -d"$2" -H "$auth" "$with") ;;
    layer) out=$(wrk -t1 -c"$connections" -d"$2" -H "$auth" "$layer") ;;
    *) out=$(wrk -t1 -c"$connections" -d"$2" "$without") ;;
    esac
    if grep -q -e 'Non-2xx' -e 'Socket errors' <<<"$out"; then
        echo "bench-server: errors during the $1 run:" >&2
        echo "$out" >&2
        exit 1
    fi
    awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

run with 2s >/dev/null
run without 2s >/dev/null
run layer 2s >/dev/null
results=()
for i in $(seq "$rounds"); do
    w=$(run with "$duration")
    o=$(run without "$duration")
    l=$(run layer "$duration")
    echo "round $i: example with middleware $w req/s, without $o req/s, layer alone $l req/s"
    results+=("$w $o $l")
done

mkdir -p "$target/perf"
printf '%s\n' "${results[@]}" | python3 -c '
import json, statistics, sys
pairs = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
w = [p[0] for p in pairs]; o = [p[1] for p in pairs]; l = [p[2] for p in pairs]
res = {
    "with": {"rps": statistics.median(w), "runs": w},
    "without": {"rps": statistics.median(o), "runs": o},
    "layer": {"rps": statistics.median(l), "runs": l},
    "pair_ratios": [a / b for a, b, _ in pairs],
    "logging": sys.argv[2],
    "connections": int(sys.argv[3]), "duration": sys.argv[4],
}
json.dump(res, open(sys.argv[1], "w"), indent=1)
w, o, l = res["with"]["rps"], res["without"]["rps"], res["layer"]["rps"]
rounds = [round(r, 3) for r in res["pair_ratios"]]
print(f"median: with {w:,.0f} req/s, without {o:,.0f} req/s: ratio {w / o:.3f} (target >= 0.95), per round {rounds}; layer alone {l / o:.3f}")
' "$target/perf/server.json" "${BENCH_SERVER_LOG:-on}" "$connections" "$duration"
