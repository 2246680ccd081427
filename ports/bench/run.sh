#!/usr/bin/env bash
# Benchmarks (not a test): per language, verifying a plain client key against that language's
# usual HS256 JWT library, measured in the same run (interleaved rounds of about 2 ms each, the
# ratio taken per round, then the median). The machine is shared: read the ratios, not the times.
#
#   bash ports/bench/run.sh          (ROUNDS=200 by default)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive

# ruby-jwt from Debian, jsonwebtoken from npm into ports/bench/node_modules (ignored by git), PyJWT from pip.
ruby -e 'require "jwt"' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq ruby-jwt </dev/null >/dev/null; }
[ -d "$here/node_modules/jsonwebtoken" ] ||
  npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$here" jsonwebtoken </dev/null
python3 -c 'import jwt' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check pyjwt </dev/null

nproc_info="$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "machine: $nproc_info; $(ruby -e 'print RUBY_DESCRIPTION'); node $(node --version); $(python3 --version)"
ruby "$here/verify.rb"
node "$here/verify.js"
python3 "$here/verify.py"
