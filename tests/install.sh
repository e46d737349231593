#!/usr/bin/env bash
# Installs everything the tests need: Python packages, and from Debian chromium for the browser tests
# (Playwright drives the chromium found on PATH; its own browser download is not used) and haproxy for
# the replica test (tests/test_replicas.py starts it itself; the system service is not used).
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -q --root-user-action=ignore -r requirements-test.txt
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "tests/install.sh: ${missing[*]} missing and cannot be installed here; the tests that need them will skip" >&2
    fi
fi
