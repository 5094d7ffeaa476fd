#!/usr/bin/env bash
# Stop the backends this project started (found by their pid files under .deps/).
# A server that was merely reused (a system service, another project's) is left alone.
# usage: scripts/deps/down.sh [redis|nats|cassandra ...]   (default: all)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_backends

down_one() {
  local b=$1 pidfile pid t0 addr
  pidfile=$("${b}_pidfile")
  if pid=$(live_pid "$pidfile" "$("${b}_pattern")"); then
    t0=$(now)
    stop_pid "$pid" "$pidfile" "$("${b}_stop_grace")"
    say "$b stopped (pid $pid) in $(since "$t0")s"
    return
  fi
  rm -f "$pidfile" "${pidfile%.pid}.addr"
  "${b}_addr" || return 0
  addr=$(show_addr "$ADDR_HOST" "$ADDR_PORT")
  if port_open "$ADDR_HOST" "$ADDR_PORT"; then
    say "$b: the server on $addr was not started by this project; leaving it alone"
  else
    say "$b: not running"
  fi
}

mapfile -t backends < <(select_backends "$@") || exit 2
((${#backends[@]})) || exit 2
take_lock
for b in "${backends[@]}"; do
  down_one "$b"
done
