#!/usr/bin/env bash
# Prints the JAVA_HOME of a Java 17 (Cassandra 5.0 runs on 11 or 17; 24+ cannot run it).
# Order: $CHIRP_CASSANDRA_JAVA_HOME, $JAVA_HOME, /usr/lib/jvm/*17*, the java on PATH;
# as root on Debian it installs openjdk-17-jre-headless when none is found.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

java_major() {
  "$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p'
}

ok_home() {
  local home=$1 major
  [[ -x $home/bin/java ]] || return 1
  major=$(java_major "$home")
  [[ $major == 17 || $major == 11 ]]
}

find_home() {
  local h
  for h in "${CHIRP_CASSANDRA_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-* \
    /usr/lib/jvm/*-17-* /usr/lib/jvm/*17*; do
    [[ -n $h ]] && ok_home "$h" && { printf '%s\n' "$h"; return 0; }
  done
  if command -v java >/dev/null; then
    h=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    ok_home "$h" && { printf '%s\n' "$h"; return 0; }
  fi
  return 1
}

if [[ -n ${CHIRP_CASSANDRA_JAVA_HOME:-} ]] && ! ok_home "$CHIRP_CASSANDRA_JAVA_HOME"; then
  err "CHIRP_CASSANDRA_JAVA_HOME=$CHIRP_CASSANDRA_JAVA_HOME is not a Java 11 or 17"
  exit 1
fi
find_home && exit 0
apt_install openjdk-17-jre-headless >&2 || exit 1
find_home || { err "no Java 17 found after installing openjdk-17-jre-headless"; exit 1; }
