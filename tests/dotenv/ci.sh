#!/usr/bin/env bash
# The library's .env reader against the real python-dotenv and Ruby dotenv, on
# tests/dotenv/corpus/ (see tests/dotenv/NOTES.md).
#
#     bash tests/dotenv/ci.sh        # from anywhere; run by .ci/run
#
# Installs what is missing: python-dotenv with pip (or Debian's python3-dotenv when pip cannot,
# e.g. an externally managed Python), and Debian's ruby-dotenv (which brings ruby). apt-get runs
# only when something is missing, and needs root (or sudo without a password). Then runs
# compare/live.py, whose last line is "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

# The python that has python-dotenv: python3, or Debian's own if only it has the package.
find_python() {
  local py
  for py in python3 /usr/bin/python3; do
    if "$py" -c 'import dotenv' >/dev/null 2>&1 </dev/null; then
      echo "$py"
      return 0
    fi
  done
  return 1
}

has_ruby_dotenv() {
  ruby -e 'require "dotenv/version"; require "dotenv/parser"' >/dev/null 2>&1 </dev/null
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo -n "$@"
  fi
}

apt_packages=()
if ! find_python >/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check python-dotenv </dev/null ||
    apt_packages+=(python3-dotenv)
fi
if ! has_ruby_dotenv; then
  apt_packages+=(ruby-dotenv)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "installing ${apt_packages[*]} with apt-get"
  as_root apt-get update -qq </dev/null
  as_root apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" </dev/null >/dev/null
fi

python=$(find_python) || { echo "python-dotenv is not installed"; echo "0 passed, 1 failed"; exit 1; }
has_ruby_dotenv || { echo "Ruby dotenv is not installed"; echo "0 passed, 1 failed"; exit 1; }

DOTENV_PYTHON="$python" python3 tests/dotenv/compare/live.py </dev/null
