#!/usr/bin/env bash
# The ports' CI: installs what they need, runs the Ruby, Node and Python test suites, then the
# conformance suite against the Rust CLI.
#
#   bash ports/ci.sh [PATH/TO/issue-client-key]   (default: target/debug/issue-client-key)
#
# Works on a fresh Debian machine as root, with CI=true and no standard input.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="${1:-target/debug/issue-client-key}"
case "$cli" in /*) ;; *) cli="$root/$cli" ;; esac
cd "$root/ports"
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n==> %s\n' "$*"; }

step "dependencies"
packages=()
command -v ruby >/dev/null || packages+=(ruby)
ruby -e 'require "rack"' 2>/dev/null || packages+=(ruby-rack)
ruby -e 'require "minitest"' 2>/dev/null || packages+=(ruby-minitest)
command -v node >/dev/null || packages+=(nodejs)
if ! python3 -c 'import cryptography' 2>/dev/null; then
  # Debian's own python3 refuses pip installs (PEP 668): take its package instead.
  python3 -m pip install --quiet --disable-pip-version-check cryptography </dev/null ||
    packages+=(python3-cryptography)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq "${packages[@]}" </dev/null >/dev/null
fi
ruby --version
node --version
python3 -c 'import sys, cryptography; print("Python", sys.version.split()[0], "cryptography", cryptography.__version__)'

step "ruby: minitest"
ruby ruby/test/run.rb </dev/null

step "node: node --test"
node --test node/test/ </dev/null

step "python: unittest"
(cd python && python3 -m unittest discover -s tests -t . </dev/null)

step "conformance against $cli"
python3 conformance/run.py --cli "$cli" </dev/null
