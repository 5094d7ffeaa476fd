# shellcheck shell=bash source-path=SCRIPTDIR
# Shared helpers for scripts/deps/*.sh: paths, messages, timing, addresses, pid files,
# waiting. Sourced, never run.

DEPS_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$DEPS_SCRIPTS/../.." && pwd)
# Everything the project's own backends write (jars, data, logs, pid files); git-ignored.
DEPS_DIR=${CHIRP_DEPS_DIR:-$REPO_ROOT/.deps}
ALL_BACKENDS=(redis nats cassandra)

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
err() { printf 'ERROR: %s\n' "$*" >&2; }

# Seconds since the epoch with microseconds, and "elapsed since $1" with one decimal.
now() { printf '%s' "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Make .deps/ and keep it out of git even if the repo's .gitignore doesn't list it.
ensure_deps_dir() {
  mkdir -p "$DEPS_DIR"
  [[ -f $DEPS_DIR/.gitignore ]] || printf '*\n' >"$DEPS_DIR/.gitignore"
}

# Backend list from the command line: none means all; unknown names are an error.
select_backends() {
  local b known
  if (($# == 0)); then
    printf '%s\n' "${ALL_BACKENDS[@]}"
    return
  fi
  for b in "$@"; do
    known=0
    for k in "${ALL_BACKENDS[@]}"; do [[ $b == "$k" ]] && known=1; done
    if ((!known)); then
      err "unknown backend '$b' (known: ${ALL_BACKENDS[*]})"
      return 2
    fi
    printf '%s\n' "$b"
  done
}

# Seconds to wait for a backend to answer: CHIRP_<NAME>_TIMEOUT, else CHIRP_DEPS_TIMEOUT,
# else the given default.
timeout_for() {
  local name=$1 default=$2 var
  var="CHIRP_${name^^}_TIMEOUT"
  printf '%s' "${!var:-${CHIRP_DEPS_TIMEOUT:-$default}}"
}

# shellcheck disable=SC2034 # ADDR_* are read by the scripts that source this file
# Split "scheme://[user[:pass]@]host[:port][/path]" or "host[:port]" (IPv6 in brackets)
# into the globals ADDR_HOST, ADDR_PORT, ADDR_PASS.
parse_addr() {
  local s=$1 default_port=$2 userinfo=''
  s=${s#*://}
  s=${s%%/*}
  if [[ $s == *@* ]]; then
    userinfo=${s%@*}
    s=${s##*@}
  fi
  ADDR_PASS=''
  [[ $userinfo == *:* ]] && ADDR_PASS=${userinfo#*:}
  if [[ $s =~ ^\[([^]]+)\](:([0-9]+))?$ ]]; then
    ADDR_HOST=${BASH_REMATCH[1]}
    ADDR_PORT=${BASH_REMATCH[3]:-$default_port}
  elif [[ $s =~ ^([^:]+)(:([0-9]+))?$ ]]; then
    ADDR_HOST=${BASH_REMATCH[1]}
    ADDR_PORT=${BASH_REMATCH[3]:-$default_port}
  else
    err "cannot parse address '$1'"
    return 2
  fi
}

# host:port for messages, with brackets around IPv6.
show_addr() {
  if [[ $1 == *:* ]]; then printf '[%s]:%s' "$1" "$2"; else printf '%s:%s' "$1" "$2"; fi
}

is_loopback() {
  case $1 in
    localhost | 127.* | ::1 | 0:0:0:0:0:0:0:1) return 0 ;;
    *) return 1 ;;
  esac
}

# The address our own server binds to for a loopback host.
bind_host() {
  if [[ $1 == localhost ]]; then printf '127.0.0.1'; else printf '%s' "$1"; fi
}

# True if something accepts TCP connections on host:port (1 s at most).
port_open() {
  # shellcheck disable=SC2016 # $0/$1 belong to the inner shell
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# Pid from a pid file if that process is alive and its command line contains $2.
live_pid() {
  local file=$1 pattern=$2 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "$pattern" || return 1
  printf '%s' "$pid"
}

# Start a command as a daemon that outlives this script (own session, no terminal),
# stdout/stderr appended to $2; writes its pid to $1 and prints it.
spawn_daemon() {
  local pidfile=$1 out=$2
  shift 2
  # fd 9 is up.sh's lock: the daemon must not inherit it.
  setsid nohup "$@" >>"$out" 2>&1 </dev/null 9>&- &
  local pid=$!
  printf '%s\n' "$pid" >"$pidfile"
  printf '%s' "$pid"
}

# Stop our process: SIGTERM, wait up to $3 s, then SIGKILL. Removes the pid file.
stop_pid() {
  local pid=$1 pidfile=$2 grace=$3 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "pid $pid still running after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$pidfile" "${pidfile%.pid}.addr"
}

# Remember the sizes of log files (before a start), so show_log_tail prints only what
# was written after that.
declare -A LOG_MARK=()
mark_logs() {
  local f
  for f in "$@"; do LOG_MARK[$f]=$( (stat -c %s "$f" 2>/dev/null || echo 0)); done
}

# Print the last lines (30, lines cut at 400 characters) of each log file, indented.
show_log_tail() {
  local f n=${LOG_TAIL_LINES:-30} from first
  for f in "$@"; do
    [[ -s $f ]] || continue
    from=$((${LOG_MARK[$f]:-0} + 1))
    (($(stat -c %s "$f") >= from)) || from=1 # truncated since the mark: show all of it
    first=$(tail -c "+$from" "$f" | grep -m 1 -E '^(ERROR|FATAL)|\[(ERR|FTL)\]|Fatal|Exception' | cut -c1-400) || true
    [[ -n $first ]] && printf 'first error in %s:\n  %s\n' "$f" "$first" >&2
    printf -- '--- last %s lines of %s ---\n' "$n" "$f" >&2
    tail -c "+$from" "$f" | tail -n "$n" | cut -c1-400 | sed 's/^/  | /' >&2
  done
}

# Install Debian packages when a tool is missing and we are root: plain install first,
# 'apt-get update' only if that fails.
apt_install() {
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    err "missing $*; install it (Debian: apt-get install $*)"
    return 1
  fi
  say "installing Debian package(s): $* ..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "$@" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    if ! apt-get install -y -qq "$@" >/dev/null; then
      err "apt-get install $* failed"
      return 1
    fi
  fi
}

# Wait until "$probe_fn host port" succeeds. Fails early if pid $4 (if given) dies.
# Returns 0 when ready, 1 on timeout, 3 if the process died.
wait_ready() {
  local probe=$1 host=$2 port=$3 pid=${4:-} secs=$5 t0
  t0=$(now)
  while :; do
    if "$probe" "$host" "$port" >/dev/null 2>&1; then return 0; fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 3; fi
    if awk -v a="$t0" -v b="$(now)" -v s="$secs" 'BEGIN { exit !(b - a >= s) }'; then
      return 1
    fi
    sleep 0.2
  done
}

# Serialize up/down runs (fd 9 stays open until the script exits).
take_lock() {
  ensure_deps_dir
  command -v flock >/dev/null || return 0
  exec 9>"$DEPS_DIR/.lock"
  flock -w 600 9 || { err "another scripts/deps run holds $DEPS_DIR/.lock"; return 1; }
}

# Load the backend definitions.
load_backends() {
  local b
  # shellcheck source=probes.sh
  source "$DEPS_SCRIPTS/probes.sh"
  for b in "${ALL_BACKENDS[@]}"; do
    # shellcheck source=/dev/null
    source "$DEPS_SCRIPTS/$b.sh"
  done
}
