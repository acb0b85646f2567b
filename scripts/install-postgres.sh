#!/usr/bin/env bash
# Installs Debian's PostgreSQL server for the PostgreSQL conversation-store test, which starts a throwaway
# cluster of its own (initdb + pg_ctl on a free 127.0.0.1 port) and never touches a system cluster.
# Idempotent and non-interactive; a no-op when initdb is already there. Exits non-zero when it cannot install.
set -euo pipefail
find_initdb() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN/initdb"; return 0; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$found" ]; then echo "$found"; return 0; fi
  command -v initdb 2>/dev/null || return 1
}
if initdb_path=$(find_initdb); then
  echo "postgresql: $("$initdb_path" --version)"
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "postgresql: initdb not found and cannot install it here (needs root and apt-get); install Debian's postgresql package" >&2
  exit 1
fi
echo "postgresql: installing Debian's package (a minute or two the first time)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq postgresql > /dev/null
initdb_path=$(find_initdb)
echo "postgresql: $("$initdb_path" --version)"
