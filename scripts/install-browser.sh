#!/usr/bin/env bash
# Installs Debian's Chromium for the Web UI browser test (playwright-core drives it; no browser download).
# Idempotent and non-interactive; a no-op when /usr/bin/chromium is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "chromium: not installed and cannot install it here (needs root and apt-get); the browser test will be skipped"
  exit 0
fi
echo "chromium: installing Debian's package (a minute or two the first time)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium > /dev/null
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
