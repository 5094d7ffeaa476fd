#!/usr/bin/env bash
# Make sure Redis, NATS (JetStream) and Cassandra answer on their addresses.
# usage: scripts/deps/up.sh [redis|nats|cassandra ...]   (default: all)
# A backend that already answers is reused. On a loopback address with nothing there,
# the project's own server is started (data/logs under .deps/); a non-loopback address
# is only checked. Exits non-zero if any backend is not ready in time.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_backends

up_one() {
  local b=$1 host port addr pidfile pattern secs ours='' pid started=0 t0 v rc=0 logs=()
  "${b}_addr" || return 1
  host=$ADDR_HOST port=$ADDR_PORT
  addr=$(show_addr "$host" "$port")
  pidfile=$("${b}_pidfile")
  pattern=$("${b}_pattern")
  secs=$(timeout_for "$b" "$("${b}_default_timeout")")
  ours=$(live_pid "$pidfile" "$pattern") || ours=''
  if [[ -n $ours && $(cat "${pidfile%.pid}.addr" 2>/dev/null) != "$addr" ]]; then
    err "$b: our server (pid $ours) serves $(cat "${pidfile%.pid}.addr" 2>/dev/null || echo '?'), not $addr; stop it first: scripts/deps/down.sh $b"
    return 1
  fi

  t0=$(now)
  v=$("${b}_probe" "$host" "$port" 2>/dev/null) || rc=$?
  if ((rc == 0)); then
    if [[ -n $ours ]]; then
      say "$b ready on $addr in $(since "$t0")s (already running, v$v, ours: pid $ours)"
    else
      say "$b ready on $addr in $(since "$t0")s (already running, v$v, not ours)"
    fi
    return 0
  fi
  if [[ $b == cassandra && $rc == 2 ]]; then
    say "$b ready on $addr in $(since "$t0")s (already running, requires CQL authentication, not ours)"
    return 0
  fi
  if [[ $b == nats && $rc == 4 ]]; then
    err "nats on $addr answers (v$v) but JetStream is not enabled; Chirp needs JetStream"
    return 1
  fi
  if ! is_loopback "$host"; then
    err "no working $b answers on $addr; it is not a loopback address, so nothing is started here"
    return 1
  fi

  if [[ -n $ours ]]; then
    pid=$ours
    say "$b: our server (pid $pid) is still starting; waiting for it"
  else
    if port_open "$host" "$port"; then
      err "$b: $addr is taken by something that is not a working $b; not starting ours"
      return 1
    fi
    rm -f "$pidfile"
    mapfile -t logs < <("${b}_logs")
    "${b}_prepare" || { err "$b: could not prepare (install/download) the server"; return 1; }
    mark_logs "${logs[@]}"
    t0=$(now)
    if ! pid=$("${b}_start" "$host" "$port"); then
      err "$b: could not start the server for $addr"
      show_log_tail "${logs[@]}"
      return 1
    fi
    started=1
    printf '%s\n' "$addr" >"${pidfile%.pid}.addr"
  fi

  rc=0
  wait_ready "${b}_probe" "$host" "$port" "$pid" "$secs" || rc=$?
  if ((rc == 0)); then
    v=$("${b}_probe" "$host" "$port" 2>/dev/null || true)
    say "$b ready on $addr in $(since "$t0")s ($( ((started)) && echo started || echo was starting), v$v, pid $pid)"
    return 0
  fi
  if ((rc == 3)); then
    err "$b on $addr: the server (pid $pid) exited during start-up"
  else
    err "$b did not become ready on $addr within ${secs}s (pid $pid)"
  fi
  mapfile -t logs < <("${b}_logs")
  show_log_tail "${logs[@]}"
  if ((started)) && kill -0 "$pid" 2>/dev/null; then
    say "$b: stopping the half-started server (pid $pid)" >&2
    stop_pid "$pid" "$pidfile" "$("${b}_stop_grace")"
  fi
  return 1
}

mapfile -t backends < <(select_backends "$@") || exit 2
((${#backends[@]})) || exit 2
take_lock
failed=()
for b in "${backends[@]}"; do
  up_one "$b" || failed+=("$b")
done
if ((${#failed[@]})); then
  err "not ready: ${failed[*]}"
  exit 1
fi
