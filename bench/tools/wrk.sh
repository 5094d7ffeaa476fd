#!/usr/bin/env bash
# Puts wrk (the closed-loop HTTP/1.1 load generator the whole-mesh benchmark
# drives its closed-loop home reads with, bench/wrk.ts) into .tools/wrk, from
# Debian's packages, the way bench/tools/h2load.sh fetches h2load:
# `apt-get download` needs no root and only the package mirrors. The packages
# are unpacked, not installed; .tools/wrk/wrk runs the binary with the
# unpacked LuaJIT first on the library path. A wrk already on PATH (say
# `apt-get install wrk`) is used as it is.
#
# Why wrk: a C generator, so the load does not cost a Node process's CPU and
# garbage collection on the two cores it measures; and its Lua hook sets a
# header per request, which a home read needs (each reader's own token).
#
# Idempotent. Prints the wrk to run on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${CHIRP_TOOLS_DIR:-$ROOT/.tools}/wrk"
WRAPPER="$DIR/wrk"

# `wrk -v` prints its version and exits 1.
works() { local out; out="$("$1" -v 2>&1 || true)"; [[ $out == wrk\ * ]]; }
if [[ -x "$WRAPPER" ]] && works "$WRAPPER"; then
  echo "$WRAPPER"
  exit 0
fi
if command -v wrk >/dev/null && works "$(command -v wrk)"; then
  command -v wrk
  exit 0
fi
# shellcheck source=../../scripts/lib/deb-unpack.sh
source "$ROOT/scripts/lib/deb-unpack.sh"
deb_tools_or_exit bench/tools/wrk.sh "install wrk yourself and put it on PATH"
mkdir -p "$DIR"
# wrk and its LuaJIT (Debian ships two builds of it: either will do); OpenSSL
# comes with the base system.
deb_unpack "$DIR/root" wrk "libluajit2-5.1-2|libluajit-5.1-2"
libs="$(dirname "$(find "$DIR/root" -name 'libluajit-5.1.so.2*' | head -1)")"
missing="$(LD_LIBRARY_PATH="$libs" ldd "$DIR/root/usr/bin/wrk" | awk '/not found/ {print $1}')"
if [[ -n "$missing" ]]; then
  echo "bench/tools/wrk.sh: wrk still lacks: $missing (install them with apt-get)" >&2
  exit 1
fi
cat >"$WRAPPER" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$DIR/root/usr/bin/wrk" "\$@"
WRAP
chmod +x "$WRAPPER"
echo "$("$WRAPPER" -v 2>&1 | head -1) in $DIR" >&2
echo "$WRAPPER"
