#!/usr/bin/env bash
# Benchmark of client-keys-gateway behind real nginx, on 127.0.0.1 only (docs/PERFORMANCE.md).
#
#   bash benches/gateway/run.sh     # DURATION=10 CONNECTIONS=32 ROUNDS=5 by default;
#                                   # CLIENT_KEYS_GATEWAY_THREADS=1 to give the gateway one thread
#
# Measures, side by side in one run:
#   A. nginx auth_request -> client-keys-gateway /verify -> upstream
#   H. nginx auth_request -> proxied to an nginx server that returns 200 -> the same upstream
#      (the best any external decision service can do: the same HTTP hop, no work)
#   B. nginx auth_request -> an internal nginx location that returns 200 -> the same upstream
#      (no hop at all: the floor of auth_request itself)
# and reports requests per second, the ratio A/B, p50/p99 latency, the same with the gateway's
# per-decision log lines turned off, the gateway's resident memory idle and with 1,000,000 key
# ids, and the time to load and to swap a 1,000,000-id CLIENT_KEYS_FILE.
#
# Needs nginx and wrk (Debian: apt-get install nginx wrk) and builds the gateway in release
# mode. Every process it starts is stopped by its pid when it exits; nothing leaves 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"

for tool in nginx wrk python3; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "needs $tool" >&2; exit 1; }
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

cargo build --release --quiet --no-default-features --features gateway --bin client-keys-gateway
GATEWAY="$PWD/target/release/client-keys-gateway"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on $1" >&2; exit 1
}
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# A secret, a key, and CLIENT_KEYS with that key.
SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
# Minted with the independent Python implementation of docs/FORMAT.md (tests/vectors).
read -r TOKEN KEY_ID < <(python3 - "$SECRET" <<'PY'
import os, sys
sys.path.insert(0, "tests/vectors")
import reference
key_id = os.urandom(16)
print(reference.mint(bytes.fromhex(sys.argv[1]), key_id, os.urandom(12), reference.claims(name="bench")), key_id.hex())
PY
)

start_gateway() { # $1: directory with .env, rest: environment assignments
  local dir="$1"; shift
  local out="$dir/gateway.out"
  (cd "$dir" && exec env -u CLIENT_SECRET -u CLIENT_KEYS -u CLIENT_SECRET_PREVIOUS "$@" \
      "$GATEWAY" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 >"$out" 2>"$dir/gateway.log") &
  GATEWAY_PID=$!
  PIDS+=("$GATEWAY_PID")
  for _ in $(seq 1 600); do
    grep -q '^admin listening' "$out" 2>/dev/null && break
    sleep 0.05
  done
  GATEWAY_ADDR="$(sed -n 's|^listening on http://||p' "$out")"
  ADMIN_ADDR="$(sed -n 's|^admin listening on http://||p' "$out")"
}

# --- the two nginx set-ups, one upstream ----------------------------------------------------
mkdir -p "$WORK/small"
printf 'CLIENT_SECRET=%s\nCLIENT_KEYS=%s\n' "$SECRET" "$KEY_ID" > "$WORK/small/.env"
mkdir -p "$WORK/quiet"
cp "$WORK/small/.env" "$WORK/quiet/.env"
start_gateway "$WORK/quiet" RUST_LOG=warn
QUIET_ADDR="$GATEWAY_ADDR"
start_gateway "$WORK/small" RUST_LOG=info
sleep 0.5
IDLE_RSS="$(rss_kib "$GATEWAY_PID")"

PORT_A="$(free_port)"; PORT_B="$(free_port)"; PORT_Q="$(free_port)"; PORT_H="$(free_port)"; PORT_OK="$(free_port)"; PORT_UP="$(free_port)"
cat > "$WORK/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
    fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
    upstream gateway { server $GATEWAY_ADDR; keepalive 64; }
    upstream quiet_gateway { server $QUIET_ADDR; keepalive 64; }
    upstream allow_all { server 127.0.0.1:$PORT_OK; keepalive 64; }
    server { listen 127.0.0.1:$PORT_OK; location / { return 200; } }
    upstream app { server 127.0.0.1:$PORT_UP; keepalive 64; }
    server { listen 127.0.0.1:$PORT_UP; location / { return 200 "ok\n"; } }
    server {
        listen 127.0.0.1:$PORT_H;
        location = /_auth {
            internal;
            proxy_pass http://allow_all/;
            proxy_pass_request_body off; proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI \$request_uri;
            proxy_http_version 1.1; proxy_set_header Connection "";
        }
        location / {
            auth_request /_auth;
            auth_request_set \$ck_id \$upstream_http_x_client_key_id;
            proxy_set_header X-Client-Key-Id \$ck_id;
            proxy_http_version 1.1; proxy_set_header Connection "";
            proxy_pass http://app;
        }
    }
    server {
        listen 127.0.0.1:$PORT_A;
        location = /_auth {
            internal;
            proxy_pass http://gateway/verify;
            proxy_pass_request_body off; proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI \$request_uri;
            proxy_http_version 1.1; proxy_set_header Connection "";
        }
        location / {
            auth_request /_auth;
            auth_request_set \$ck_id \$upstream_http_x_client_key_id;
            proxy_set_header X-Client-Key-Id \$ck_id;
            proxy_http_version 1.1; proxy_set_header Connection "";
            proxy_pass http://app;
        }
    }
    server {
        listen 127.0.0.1:$PORT_Q;
        location = /_auth {
            internal;
            proxy_pass http://quiet_gateway/verify;
            proxy_pass_request_body off; proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI \$request_uri;
            proxy_http_version 1.1; proxy_set_header Connection "";
        }
        location / {
            auth_request /_auth;
            auth_request_set \$ck_id \$upstream_http_x_client_key_id;
            proxy_set_header X-Client-Key-Id \$ck_id;
            proxy_http_version 1.1; proxy_set_header Connection "";
            proxy_pass http://app;
        }
    }
    server {
        listen 127.0.0.1:$PORT_B;
        # The best any subrequest design can do: the decision is an nginx location that
        # returns 200, with no connection to another process.
        location = /_auth {
            internal;
            return 200;
        }
        location / {
            auth_request /_auth;
            auth_request_set \$ck_id \$upstream_http_x_client_key_id;
            proxy_set_header X-Client-Key-Id \$ck_id;
            proxy_http_version 1.1; proxy_set_header Connection "";
            proxy_pass http://app;
        }
    }
}
CONF
"$NGINX" -e "$WORK/nginx-error.log" -p "$WORK" -c "$WORK/nginx.conf" &
PIDS+=("$!")
wait_port "$PORT_A"; wait_port "$PORT_B"
test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT_A/apps")" = 200
test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT_A/apps")" = 401

bench() { # $1: port; prints "rps p50 p99"
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" \
      "http://127.0.0.1:$1/apps" > "$WORK/wrk.txt"
  local rps p50 p99
  rps="$(awk '/^Requests\/sec/ {print $2}' "$WORK/wrk.txt")"
  p50="$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")"
  p99="$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")"
  if grep -q 'Non-2xx' "$WORK/wrk.txt"; then echo "non-2xx answers:" >&2; cat "$WORK/wrk.txt" >&2; exit 1; fi
  echo "$rps $p50 $p99"
}

ROUNDS="${ROUNDS:-5}"
echo "warm-up"; for port in "$PORT_A" "$PORT_B" "$PORT_Q" "$PORT_H"; do bench "$port" >/dev/null; done
# Interleaved rounds: each round measures the three set-ups back to back, so that the machine's
# changing speed affects them alike; the ratios are per round, the report gives their median.
: > "$WORK/rounds.txt"
for round in $(seq 1 "$ROUNDS"); do
  read -r B_RPS B_P50 B_P99 < <(bench "$PORT_B")
  read -r A_RPS A_P50 A_P99 < <(bench "$PORT_A")
  read -r Q_RPS Q_P50 Q_P99 < <(bench "$PORT_Q")
  read -r H_RPS H_P50 H_P99 < <(bench "$PORT_H")
  echo "$round $B_RPS $B_P50 $B_P99 $A_RPS $A_P50 $A_P99 $Q_RPS $Q_P50 $Q_P99 $H_RPS $H_P50 $H_P99" >> "$WORK/rounds.txt"
  echo "round $round: internal 200 $B_RPS/s p99 $B_P99, proxied 200 $H_RPS/s p99 $H_P99, gateway $A_RPS/s p99 $A_P99, gateway quiet $Q_RPS/s p99 $Q_P99"
done
LOADED_RSS="$(rss_kib "$GATEWAY_PID")"

# --- 1,000,000 ids -------------------------------------------------------------------------
mkdir -p "$WORK/big"
python3 - "$WORK/big/keys" "$KEY_ID" <<'PY'
import os, sys
with open(sys.argv[1], "w") as f:
    f.write("# a million clients\n")
    f.write(sys.argv[2] + "\n")
    for _ in range(999_999):
        f.write(os.urandom(16).hex() + "\n")
PY
printf '%s\n' "$SECRET" > "$WORK/big/secret"
: > "$WORK/big/.env"
start_gateway "$WORK/big" RUST_LOG=info CLIENT_SECRET_FILE="$WORK/big/secret" CLIENT_KEYS_FILE="$WORK/big/keys"
for _ in $(seq 1 600); do grep -q 'configuration loaded' "$WORK/big/gateway.log" && break; sleep 0.05; done
LOAD_MS="$(grep -m1 'configuration loaded' "$WORK/big/gateway.log" | sed -n 's/.*took_ms=\([0-9]*\).*/\1/p')"
sleep 0.5
BIG_RSS="$(rss_kib "$GATEWAY_PID")"
test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://$GATEWAY_ADDR/verify")" = 200
kill -HUP "$GATEWAY_PID"
for _ in $(seq 1 600); do [ "$(grep -c 'configuration loaded' "$WORK/big/gateway.log")" -ge 2 ] && break; sleep 0.05; done
SWAP_MS="$(grep 'configuration loaded' "$WORK/big/gateway.log" | tail -1 | sed -n 's/.*took_ms=\([0-9]*\).*/\1/p')"
sleep 0.5
BIG_RSS_AFTER="$(rss_kib "$GATEWAY_PID")"

read -r RATIO QRATIO HRATIO HQRATIO < <(python3 - "$WORK/rounds.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
def median(a, b):
    return f"{statistics.median(float(r[a]) / float(r[b]) for r in rows):.2f}"
print(median(4, 1), median(7, 1), median(4, 10), median(7, 10))
PY
)
cat <<REPORT

client-keys-gateway behind nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'), wrk -t1 -c$CONNECTIONS -d${DURATION}s, $(nproc) cores
(last round)
| set-up | requests/s | p50 | p99 |
| --- | --- | --- | --- |
| nginx auth_request -> internal location returning 200 -> upstream | $B_RPS | $B_P50 | $B_P99 |
| nginx auth_request -> proxied to a server returning 200 -> upstream | $H_RPS | $H_P50 | $H_P99 |
| nginx auth_request -> gateway (a log line per decision) -> upstream | $A_RPS | $A_P50 | $A_P99 |
| nginx auth_request -> gateway (RUST_LOG=warn) -> upstream | $Q_RPS | $Q_P50 | $Q_P99 |
median of $ROUNDS per-round ratios:
  gateway / proxied 200: $HRATIO with decision logs, $HQRATIO without
  gateway / internal 200: $RATIO with decision logs, $QRATIO without
gateway RSS: idle $((IDLE_RSS / 1024)) MiB, after the benchmark $((LOADED_RSS / 1024)) MiB
1,000,000-id CLIENT_KEYS_FILE: loaded in $LOAD_MS ms, swapped (SIGHUP) in $SWAP_MS ms, RSS $((BIG_RSS / 1024)) MiB, $((BIG_RSS_AFTER / 1024)) MiB after the swap
REPORT
