# shellcheck shell=bash
# NATS backend: address, how to start our own (Debian nats-server with JetStream on file
# storage under .deps/nats), how to check it. Sourced by up/down/status.sh.

nats_addr() { parse_addr "${CHIRP_NATS_URL:-nats://127.0.0.1:4222}" 4222; }
nats_dir() { printf '%s/nats' "$DEPS_DIR"; }
nats_pidfile() { printf '%s/nats/nats.pid' "$DEPS_DIR"; }
nats_logs() { printf '%s/nats/nats.log\n' "$DEPS_DIR"; }
nats_pattern() { printf 'nats-server'; }
nats_stop_grace() { printf '15'; }
nats_default_timeout() { printf '20'; }
nats_probe() { probe_nats "$1" "$2"; }

nats_local_version() {
  command -v nats-server >/dev/null || return 1
  nats-server --version | sed -n 's/.*v\([0-9][^ ]*\).*/\1/p'
}

nats_version_at_least() {
  local have
  have=$(nats_local_version) || return 1
  [[ $(printf '%s\n%s\n' "$1" "$have" | sort -V | head -n 1) == "$1" ]]
}

nats_prepare() { command -v nats-server >/dev/null || apt_install nats-server; }

# Writes .deps/nats/nats.conf; JetStream stores on disk under .deps/nats/jetstream.
# Durability of an acknowledged publish across a server restart:
# - nats-server >= 2.10 knows `sync_interval: always` (fsync before every ack, which
#   survives even a power cut): we set it there.
# - 2.9.x (Debian 12 ships 2.9.10) rejects that key. A single server writes each message
#   to the stream's file before it acks, so an acked message still survives a restart of
#   the server, even kill -9; only the fsync to the disk happens every 60 s.
nats_write_conf() {
  local host=$1 port=$2 dir sync_line=''
  dir=$(nats_dir)
  mkdir -p "$dir/jetstream"
  nats_version_at_least 2.10.0 && sync_line='sync_interval: always'
  cat >"$dir/nats.conf" <<EOF
# Written by scripts/deps/nats.sh on each start; edit that file, not this one.
listen: "$(bind_host "$host"):$port"
server_name: chirp-dev
pid_file: "$dir/nats.pid"
log_file: "$dir/nats.log"
logtime: true
jetstream {
  store_dir: "$dir/jetstream"
  $sync_line
}
EOF
  printf '%s' "$dir/nats.conf"
}

# Start ours on $1:$2; prints the pid.
nats_start() {
  local conf
  conf=$(nats_write_conf "$1" "$2")
  if ! nats-server -t -c "$conf" >>"$(nats_dir)/nats.log" 2>&1; then
    err "nats-server rejects $conf"
    return 1
  fi
  spawn_daemon "$(nats_pidfile)" "$(nats_dir)/nats.log" nats-server -c "$conf"
}
