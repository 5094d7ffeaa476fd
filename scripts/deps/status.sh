#!/usr/bin/env bash
# One line per backend: up/down, version, address, and whether this project started it.
# usage: scripts/deps/status.sh [redis|nats|cassandra ...]   (default: all)
# Exits 0 if every listed backend is up, 3 otherwise.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_backends

status_one() {
  local b=$1 addr pidfile pid='' v rc=0 state extra='' who
  "${b}_addr" || return 1
  addr=$(show_addr "$ADDR_HOST" "$ADDR_PORT")
  pidfile=$("${b}_pidfile")
  pid=$(live_pid "$pidfile" "$("${b}_pattern")") || pid=''
  if [[ -n $pid && $(cat "${pidfile%.pid}.addr" 2>/dev/null) != "$addr" ]]; then
    extra=", ours runs on $(cat "${pidfile%.pid}.addr" 2>/dev/null), pid $pid"
    pid=''
  fi
  v=$("${b}_probe" "$ADDR_HOST" "$ADDR_PORT" 2>/dev/null) || rc=$?
  if ((rc == 0)); then
    state=up
  elif [[ $b == nats && $rc == 4 ]]; then
    state=up extra+=', JetStream OFF'
  elif [[ $b == cassandra && $rc == 2 ]]; then
    state=up extra+=', CQL auth required'
  else
    state=down
  fi
  [[ $b == nats && $state == up && $extra != *JetStream* ]] && extra+=', JetStream on'
  # Not answering (or no version over the wire): the version of our own server, if it is ours
  # or would be started by up.sh.
  if [[ -z $v ]] && [[ -n $pid ]] || { [[ $state == down ]] && is_loopback "$ADDR_HOST"; }; then
    v=$("${b}_local_version" 2>/dev/null) || v=''
  fi
  [[ $state == down && -z $v ]] && v=-
  if [[ -n $pid ]]; then
    who="ours, pid $pid"
  elif [[ $state == up ]]; then
    who="not ours"
  elif is_loopback "$ADDR_HOST"; then
    who="up.sh would start ours"
  else
    who="remote"
  fi
  printf '%-9s %-4s  %-8s %-21s (%s%s)\n' "$b" "$state" "${v:-unknown}" "$addr" "$who" "$extra"
  [[ $state == up ]]
}

mapfile -t backends < <(select_backends "$@") || exit 2
((${#backends[@]})) || exit 2
all_up=1
for b in "${backends[@]}"; do
  status_one "$b" || all_up=0
done
((all_up)) || exit 3
