#!/usr/bin/env bash
# Installs everything the tests need: Python packages, and from Debian chromium for the browser tests
# (Playwright drives the chromium found on PATH; its own browser download is not used; a colour emoji font
# for the pages' icons in screenshots) and haproxy for the replica test (tests/test_replicas.py starts it
# itself; the system service is not used).
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -q --root-user-action=ignore -r requirements-test.txt
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
# The pages' emoji icons in screenshots (artifacts/): without a colour emoji font they draw as empty boxes.
fc-list 2>/dev/null | grep -qi "emoji" || missing+=(fonts-noto-color-emoji)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "tests/install.sh: ${missing[*]} missing and cannot be installed here; the tests that need them will skip" >&2
    fi
fi
