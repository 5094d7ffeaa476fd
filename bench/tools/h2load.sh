#!/usr/bin/env bash
# Puts nghttp2's h2load (the HTTP/2 load generator the tweet and timeline
# benchmarks drive their open loops with) into .tools/h2load, from Debian's
# packages: `apt-get download` needs no root and only the package mirrors,
# which is all this machine reaches. The packages are unpacked, not installed;
# .tools/h2load/h2load runs the binary with the unpacked libraries first on
# the library path.
#
# Why a C generator: a Node client sending 1,000 requests/s on a 2-core box
# adds its own garbage collection to every latency it measures (bench/HISTORY.md).
#
# Idempotent. Prints the wrapper's path on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${CHIRP_TOOLS_DIR:-$ROOT/.tools}/h2load"
WRAPPER="$DIR/h2load"

if [[ -x "$WRAPPER" ]] && "$WRAPPER" --version >/dev/null 2>&1; then
  echo "$WRAPPER"
  exit 0
fi
# shellcheck source=../../scripts/lib/deb-unpack.sh
source "$ROOT/scripts/lib/deb-unpack.sh"
deb_tools_or_exit bench/tools/h2load.sh "install nghttp2-client yourself and put h2load on PATH"
mkdir -p "$DIR"
# The client and the one library a Debian machine rarely has; the others
# (libnghttp2, OpenSSL, jemalloc, libstdc++) come with the base system.
deb_unpack "$DIR/root" nghttp2-client libev4
# The unpacked libraries, wherever this architecture keeps them.
libs="$(dirname "$(find "$DIR/root" -name 'libev.so.4' | head -1)")"
missing="$(LD_LIBRARY_PATH="$libs" ldd "$DIR/root/usr/bin/h2load" | awk '/not found/ {print $1}')"
if [[ -n "$missing" ]]; then
  echo "bench/tools/h2load.sh: h2load still lacks: $missing (install them with apt-get)" >&2
  exit 1
fi
cat >"$WRAPPER" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$DIR/root/usr/bin/h2load" "\$@"
WRAP
chmod +x "$WRAPPER"
echo "$("$WRAPPER" --version | head -1) in $DIR" >&2
echo "$WRAPPER"
