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
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "scripts/monitoring/promtool.sh: needs apt-get and dpkg-deb (Debian or Ubuntu); install Prometheus's promtool yourself and put it on PATH" >&2
  exit 1
fi

mkdir -p "$DIR"
work="$(mktemp -d "$DIR/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# As root, apt would hand the download to its _apt user, who cannot write here.
sandbox=()
[[ $EUID -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)
if ! (cd "$work" && apt-get "${sandbox[@]}" download -q prometheus >&2); then
  echo "scripts/monitoring/promtool.sh: apt-get download prometheus failed; run 'apt-get update' once (as root), or put promtool on PATH" >&2
  exit 1
fi
dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
# Moved into place whole, so a half-written binary never counts as installed.
mv -f "$work/root/usr/bin/promtool" "$BIN.new"
mv -f "$BIN.new" "$BIN"
# Read it whole, then print its first line: `| head -1` under pipefail can fail on SIGPIPE.
version="$("$BIN" --version 2>&1 || true)"
echo "${version%%$'\n'*} in $DIR" >&2
echo "$BIN"
