# shellcheck shell=bash
# Redis backend: address, how to start our own (Debian redis-server, 127.0.0.1 only,
# data and log under .deps/redis), how to check it. Sourced by up/down/status.sh.

redis_addr() { parse_addr "${CHIRP_REDIS_URL:-redis://127.0.0.1:6379}" 6379; }
redis_dir() { printf '%s/redis' "$DEPS_DIR"; }
redis_pidfile() { printf '%s/redis/redis.pid' "$DEPS_DIR"; }
redis_logs() { printf '%s/redis/redis.log\n' "$DEPS_DIR"; }
redis_pattern() { printf 'redis-server'; }
redis_stop_grace() { printf '15'; }
redis_default_timeout() { printf '20'; }
redis_probe() { probe_redis "$1" "$2" "$ADDR_PASS"; }

# Our own server's version, for status when it is down.
redis_local_version() {
  command -v redis-server >/dev/null || return 1
  redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p'
}

# Start ours on $1:$2; prints the pid.
redis_start() {
  local host=$1 port=$2 dir
  dir=$(redis_dir)
  mkdir -p "$dir"
  local args=(
    --bind "$(bind_host "$host")" --port "$port" --protected-mode yes
    --dir "$dir" --dbfilename dump.rdb --logfile "$dir/redis.log"
    --daemonize no
  )
  [[ -n $ADDR_PASS ]] && args+=(--requirepass "$ADDR_PASS")
  spawn_daemon "$(redis_pidfile)" "$dir/redis.log" redis-server "${args[@]}"
}

redis_prepare() { command -v redis-server >/dev/null || apt_install redis-server; }
