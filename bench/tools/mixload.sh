#!/usr/bin/env bash
# Builds bench/tools/mixload.c (the REST mix's open-loop generator) into
# .tools/mixload/mixload with the machine's C compiler, again whenever the
# source is newer. Prints the binary's path on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$ROOT/bench/tools/mixload.c"
DIR="${CHIRP_TOOLS_DIR:-$ROOT/.tools}/mixload"
BIN="$DIR/mixload"

if [[ ! -x "$BIN" || "$SRC" -nt "$BIN" ]]; then
  CC="${CC:-cc}"
  if ! command -v "$CC" >/dev/null; then
    echo "bench/tools/mixload.sh: no C compiler ($CC); install gcc, or send the mix with --rest-generator=h2load" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  "$CC" -O2 -Wall -Wextra -Werror -std=gnu11 -o "$BIN.tmp" "$SRC" -lm
  mv "$BIN.tmp" "$BIN"
  echo "mixload built in $DIR" >&2
fi
echo "$BIN"
