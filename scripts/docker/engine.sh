#!/usr/bin/env bash
# A Docker engine for `make image` / `make image-smoke`, in the manner of
# scripts/deps: reuse one that answers, else start dockerd ourselves (installing
# Debian's docker.io first when it is missing), and stop only what we started.
#   scripts/docker/engine.sh up       exits non-zero, naming what is missing, when no engine can run
#   scripts/docker/engine.sh down     stops our dockerd (pid file under .deps/docker), nothing else
#   scripts/docker/engine.sh status
# On a VM whose root lacks CAP_SYS_RESOURCE (Firecracker), the dockerd we start
# runs containers through scripts/docker/runc-nooom (see that file).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../deps/lib.sh
source "$HERE/../deps/lib.sh"
DIR=$DEPS_DIR/docker
PIDFILE=$DIR/dockerd.pid
LOG=$DIR/dockerd.log
SECS=${CHIRP_DOCKER_TIMEOUT:-60}

# docker info, bounded: a wedged daemon must not hang make.
engine_answers() { timeout 10 docker info --format '{{.ServerVersion}}' 2>/dev/null; }

# True when this process's effective capabilities hold CAP_SYS_RESOURCE (bit 24).
has_sys_resource() {
  local eff
  eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status 2>/dev/null) || return 0
  [[ -n $eff ]] || return 0
  (((16#$eff >> 24) & 1))
}

fail() {
  err "no Docker engine: $*"
  exit 1
}

up() {
  local v pid t0 args
  if ! command -v docker >/dev/null && [[ $(id -u) != 0 ]]; then
    fail "the docker client is missing and installing Debian's docker.io needs root (apt-get install docker.io)"
  fi
  if v=$(engine_answers) && [[ -n $v ]]; then
    if pid=$(live_pid "$PIDFILE" dockerd); then
      say "docker engine ready (v$v, ours: pid $pid)"
    else
      say "docker engine ready (v$v, already running, not ours)"
    fi
    return 0
  fi
  if [[ -n ${DOCKER_HOST:-} && ${DOCKER_HOST} != unix:///var/run/docker.sock ]]; then
    fail "nothing answers on DOCKER_HOST=$DOCKER_HOST; it is not the local socket, so nothing is started here"
  fi
  [[ $(id -u) == 0 ]] || fail "no engine answers on /var/run/docker.sock and starting dockerd needs root (or start Docker yourself)"
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null || ! command -v jq >/dev/null; then
    apt_install docker.io jq || fail "dockerd is not installed and 'apt-get install docker.io jq' failed (no Debian mirror reachable?)"
  fi
  command -v dockerd >/dev/null || fail "dockerd is still missing after installing docker.io"
  ensure_deps_dir
  mkdir -p "$DIR"
  exec 8>"$DIR/.lock"
  flock -w "$SECS" 8 || fail "another scripts/docker/engine.sh holds $DIR/.lock"
  if pid=$(live_pid "$PIDFILE" dockerd); then
    say "docker engine: our dockerd (pid $pid) is still starting; waiting for it"
  else
    args=(dockerd --pidfile "$DIR/dockerd.run.pid")
    if ! has_sys_resource; then
      args+=(--add-runtime "runc-nooom=$HERE/runc-nooom" --default-runtime runc-nooom)
    fi
    mark_logs "$LOG"
    pid=$(spawn_daemon "$PIDFILE" "$LOG" "${args[@]}")
    say "docker engine: started dockerd (pid $pid$(has_sys_resource || echo ', runtime runc-nooom: no CAP_SYS_RESOURCE here'))"
  fi
  t0=$(now)
  while :; do
    if v=$(engine_answers) && [[ -n $v ]]; then
      say "docker engine ready in $(since "$t0")s (v$v, pid $pid)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      err "dockerd (pid $pid) exited during start-up"
      show_log_tail "$LOG"
      rm -f "$PIDFILE"
      exit 1
    fi
    if awk -v a="$t0" -v b="$(now)" -v s="$SECS" 'BEGIN { exit !(b - a >= s) }'; then
      err "dockerd (pid $pid) did not answer within ${SECS}s; stopping it"
      show_log_tail "$LOG"
      stop_pid "$pid" "$PIDFILE" 15
      exit 1
    fi
    sleep 0.3
  done
}

down() {
  local pid t0
  if pid=$(live_pid "$PIDFILE" dockerd); then
    t0=$(now)
    stop_pid "$pid" "$PIDFILE" 20
    say "docker engine stopped (pid $pid) in $(since "$t0")s"
  elif engine_answers >/dev/null; then
    rm -f "$PIDFILE"
    say "docker engine: not started by this project; leaving it alone"
  else
    rm -f "$PIDFILE"
    say "docker engine: not running"
  fi
}

status() {
  local v pid
  if v=$(engine_answers) && [[ -n $v ]]; then
    if pid=$(live_pid "$PIDFILE" dockerd); then say "docker engine: up (v$v, ours: pid $pid)"; else say "docker engine: up (v$v, not ours)"; fi
  else
    say "docker engine: down"
    return 1
  fi
}

case ${1:-up} in
  up) up ;;
  down) down ;;
  status) status ;;
  *)
    err "usage: $0 up|down|status"
    exit 2
    ;;
esac
