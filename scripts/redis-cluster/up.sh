#!/usr/bin/env bash
# Brings up a local 3-master Redis Cluster (no replicas) on 127.0.0.1:7101-7103
# for the timeline store's cluster tests and the benchmark. Ports 7101+ because
# Cassandra owns 7000 (its gossip port). Data and logs live under
# .deps/redis-cluster (git-ignored). Reuses a cluster that is already healthy,
# so calling it twice (make, then a test) costs nothing. Calls at the same
# time (several test processes) take turns on a lock: otherwise a second call
# sees the first one's half-formed cluster, restarts its nodes, and leaves the
# first one's `--cluster create` and clients waiting on a cluster that is gone.
#
#   scripts/redis-cluster/up.sh            # start or reuse
#   REDIS_CLUSTER_PORTS="7101 7102 7103"   # override the ports
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${REDIS_CLUSTER_DIR:-$ROOT/.deps/redis-cluster}"
PORTS=(${REDIS_CLUSTER_PORTS:-7101 7102 7103})
HOST=127.0.0.1
TIMEOUT_S="${REDIS_CLUSTER_TIMEOUT_S:-30}"
started_at=$(date +%s%N)

need() { command -v "$1" >/dev/null || { echo "redis-cluster: '$1' not found; install it (apt-get install $2)" >&2; exit 1; }; }
need redis-server redis-server
need redis-cli redis-tools
need flock util-linux

cli() { redis-cli -h "$HOST" -p "$1" "${@:2}"; }
answers() { cli "$1" ping 2>/dev/null | grep -q PONG; }
cluster_ok() { cli "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
known_nodes() { cli "$1" cluster info 2>/dev/null | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p'; }
elapsed_ms() { echo $(( ($(date +%s%N) - started_at) / 1000000 )); }

fail() {
  echo "redis-cluster: $1" >&2
  for p in "${PORTS[@]}"; do
    if [[ -f "$DIR/$p/redis.log" ]]; then
      echo "--- last lines of $DIR/$p/redis.log" >&2
      tail -n 15 "$DIR/$p/redis.log" >&2
    fi
  done
  exit 1
}

mkdir -p "$DIR"
# The servers started below must not inherit the lock's descriptor (9>&-),
# or they would hold the lock for as long as they run.
exec 9>"$DIR/.up.lock"
flock -w "$TIMEOUT_S" 9 || fail "another up.sh held $DIR/.up.lock for ${TIMEOUT_S}s"

# Already up and formed: nothing to do.
all_ok=1
for p in "${PORTS[@]}"; do
  if ! cluster_ok "$p" || [[ "$(known_nodes "$p")" != "${#PORTS[@]}" ]]; then all_ok=0; break; fi
done
if [[ $all_ok == 1 ]]; then
  echo "redis-cluster: already up on ${PORTS[*]} ($(elapsed_ms) ms)"
  exit 0
fi

for p in "${PORTS[@]}"; do
  if answers "$p"; then
    # Something answers but the cluster is not healthy. If it is one of ours
    # with no data worth keeping, start it over; never touch a foreign server.
    if cli "$p" config get dir 2>/dev/null | grep -qx "$DIR/$p"; then
      cli "$p" shutdown nosave >/dev/null 2>&1 || true
      for _ in $(seq 50); do answers "$p" || break; sleep 0.1; done
    else
      fail "port $p answers but is not a node of $DIR; stop it or set REDIS_CLUSTER_PORTS"
    fi
  fi
done

# A fresh start each time we have to form the cluster: stale nodes.conf files
# from a half-formed cluster would otherwise refuse to join.
for p in "${PORTS[@]}"; do
  rm -rf "${DIR:?}/$p"
  mkdir -p "$DIR/$p"
  redis-server --port "$p" --bind "$HOST" --protected-mode no \
    --cluster-enabled yes --cluster-config-file "$DIR/$p/nodes.conf" --cluster-node-timeout 5000 \
    --dir "$DIR/$p" --logfile "$DIR/$p/redis.log" --pidfile "$DIR/$p/redis.pid" \
    --appendonly no --save '' --daemonize yes 9>&- \
    || fail "redis-server on port $p did not start"
done

deadline=$(( $(date +%s) + TIMEOUT_S ))
for p in "${PORTS[@]}"; do
  until answers "$p"; do
    (( $(date +%s) < deadline )) || fail "redis-server on port $p does not answer after ${TIMEOUT_S}s"
    sleep 0.1
  done
done

nodes=()
for p in "${PORTS[@]}"; do nodes+=("$HOST:$p"); done
timeout "$TIMEOUT_S" redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$DIR/create.log" 2>&1 \
  || { cat "$DIR/create.log" >&2; fail "redis-cli --cluster create failed"; }

for p in "${PORTS[@]}"; do
  until cluster_ok "$p" && [[ "$(known_nodes "$p")" == "${#PORTS[@]}" ]]; do
    (( $(date +%s) < deadline )) || fail "cluster_state is not ok on port $p after ${TIMEOUT_S}s"
    sleep 0.2
  done
done
echo "redis-cluster: ready on ${nodes[*]} in $(elapsed_ms) ms (data and logs in $DIR)"
