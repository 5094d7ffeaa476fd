#!/usr/bin/env bash
# Puts promtool (Prometheus's rule checker and rule unit-test runner) into
# .tools/promtool, from Debian's `prometheus` package: `apt-get download`
# needs no root and only the package mirrors, which is all this machine
# reaches. The package is unpacked, not installed (no service, no user, none
# of its web assets' dependencies); promtool is a static Go binary.
#
# Idempotent. Prints promtool's path on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${CHIRP_TOOLS_DIR:-$ROOT/.tools}/promtool"
BIN="$DIR/promtool"

if [[ -x "$BIN" ]] && "$BIN" --version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi
if command -v promtool >/dev/null && promtool --version >/dev/null 2>&1; then
  command -v promtool
  exit 0
fi
# shellcheck source=../lib/deb-unpack.sh
source "$ROOT/scripts/lib/deb-unpack.sh"
deb_tools_or_exit scripts/monitoring/promtool.sh "install Prometheus's promtool yourself and put it on PATH"
mkdir -p "$DIR"
work="$(mktemp -d "$DIR/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
deb_unpack "$work/root" prometheus
# Moved into place whole, so a half-written binary never counts as installed.
mv -f "$work/root/usr/bin/promtool" "$BIN.new"
mv -f "$BIN.new" "$BIN"
# Read it whole, then print its first line: `| head -1` under pipefail can fail on SIGPIPE.
version="$("$BIN" --version 2>&1 || true)"
echo "${version%%$'\n'*} in $DIR" >&2
echo "$BIN"
