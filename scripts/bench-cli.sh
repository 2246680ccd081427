#!/usr/bin/env bash
# Performance target 6: minting one key with `issue-client-key` (reading .env) against
# `openssl rand -hex 32`, side by side with hyperfine. Writes target/perf/cli.json.
#
#   scripts/bench-cli.sh            # builds the release binary first
#   RUNS=300 scripts/bench-cli.sh   # more runs
#
# Needs hyperfine and openssl (Debian: apt-get install -y hyperfine openssl).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
target=${CARGO_TARGET_DIR:-$root/target}
runs=${RUNS:-200}

for tool in hyperfine openssl; do
    command -v "$tool" >/dev/null || { echo "bench-cli: $tool is not installed" >&2; exit 2; }
done

cargo build --release --quiet --bin issue-client-key
bin=$target/release/issue-client-key

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077
printf 'CLIENT_SECRET=%s\nCLIENT_KEYS=\n' "$(openssl rand -hex 32)" >"$work/.env"

# One real run first: the binary must mint from this .env and print the documented JSON.
out=$(cd "$work" && "$bin")
case $out in
*'"key_id"'*'"key_access_token"'*) ;;
*) echo "bench-cli: unexpected output from issue-client-key: $out" >&2; exit 1 ;;
esac

mkdir -p "$target/perf"
# -N: no intermediate shell, so neither command pays for one. Outputs go to /dev/null.
(cd "$work" && hyperfine -N --warmup 20 --runs "$runs" \
    --export-json "$target/perf/cli.json" \
    --command-name 'openssl rand -hex 32' 'openssl rand -hex 32' \
    --command-name 'issue-client-key' "$bin")

python3 - "$target/perf/cli.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ours, ssl = r["issue-client-key"], r["openssl rand -hex 32"]
print(f"issue-client-key {ours['mean']*1e3:.2f} ms (median {ours['median']*1e3:.2f}), "
      f"openssl rand -hex 32 {ssl['mean']*1e3:.2f} ms (median {ssl['median']*1e3:.2f}): "
      f"ratio {ours['median']/ssl['median']:.2f} (target <= 1.00)")
PY
