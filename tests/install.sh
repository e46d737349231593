#!/usr/bin/env bash
# Installs everything the tests need: Python packages, and Debian's chromium for the browser tests
# (Playwright drives the chromium found on PATH; its own browser download is not used).
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -q --root-user-action=ignore -r requirements-test.txt
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        echo "tests/install.sh: chromium is missing and cannot be installed here; browser tests will skip" >&2
    fi
fi
