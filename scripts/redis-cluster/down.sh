#!/usr/bin/env bash
# Stops the local Redis Cluster started by up.sh and removes its data.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${REDIS_CLUSTER_DIR:-$ROOT/.deps/redis-cluster}"
PORTS=(${REDIS_CLUSTER_PORTS:-7101 7102 7103})
HOST=127.0.0.1

for p in "${PORTS[@]}"; do
  # Only servers whose working directory is ours: never a foreign one.
  if redis-cli -h "$HOST" -p "$p" config get dir 2>/dev/null | grep -qx "$DIR/$p"; then
    redis-cli -h "$HOST" -p "$p" shutdown nosave >/dev/null 2>&1 || true
    echo "redis-cluster: stopped $HOST:$p"
  fi
done
rm -rf "$DIR"
