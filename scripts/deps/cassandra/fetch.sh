#!/usr/bin/env bash
# Puts org.apache.cassandra:cassandra-all and its runtime dependencies into
# .deps/cassandra/lib, with Maven (Maven Central), unless a complete copy is already there.
# The copy goes to lib.tmp first and becomes lib only when Maven succeeded, so an
# interrupted download is never mistaken for a complete one.
# Env: CHIRP_CASSANDRA_VERSION (default: the version in pom.xml),
#      CHIRP_DEPS_M2 (optional Maven local repository instead of ~/.m2/repository),
#      CHIRP_CASSANDRA_FETCH_TIMEOUT (seconds, default 900).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"

pom=$here/pom.xml
version=${CHIRP_CASSANDRA_VERSION:-$(sed -n 's:.*<cassandra.version>\(.*\)</cassandra.version>.*:\1:p' "$pom")}
base=$DEPS_DIR/cassandra
lib=$base/lib
marker=$lib/.complete
log=$base/logs/mvn.log

lib_complete() {
  [[ -f $marker && -f $lib/cassandra-all-$version.jar ]] || return 1
  local want have
  want=$(sed -n 's/^jars=//p' "$marker")
  have=$(find "$lib" -maxdepth 1 -name '*.jar' | wc -l)
  [[ $(sed -n 's/^version=//p' "$marker") == "$version" && $want == "$have" ]]
}

if lib_complete; then
  exit 0
fi

ensure_deps_dir
mkdir -p "$base/logs"
command -v mvn >/dev/null || apt_install maven
java_home=$("$here/java-home.sh")

t0=$(now)
say "cassandra: fetching org.apache.cassandra:cassandra-all:$version + runtime deps from Maven Central (once; log: ${log#"$REPO_ROOT"/})"
rm -rf "$lib.tmp"
mvn_args=(-B -f "$pom" -Dstyle.color=never "-Dcassandra.version=$version"
  dependency:copy-dependencies "-DoutputDirectory=$lib.tmp")
[[ -n ${CHIRP_DEPS_M2:-} ]] && mvn_args+=("-Dmaven.repo.local=$CHIRP_DEPS_M2")

JAVA_HOME=$java_home timeout "${CHIRP_CASSANDRA_FETCH_TIMEOUT:-900}" mvn "${mvn_args[@]}" >"$log" 2>&1 &
mvn_pid=$!
trap 'kill "$mvn_pid" 2>/dev/null || true' INT TERM
ticks=0
while kill -0 "$mvn_pid" 2>/dev/null; do
  sleep 1
  if ((++ticks % 10 == 0)); then
    say "cassandra:   ... $(grep -c 'Downloaded from' "$log" || true) files downloaded so far ($(since "$t0")s)"
  fi
done
rc=0
wait "$mvn_pid" || rc=$?
trap - INT TERM
if ((rc != 0)) || [[ ! -f $lib.tmp/cassandra-all-$version.jar ]]; then
  err "cassandra: Maven could not fetch cassandra-all:$version (exit $rc)"
  LOG_TAIL_LINES=30 show_log_tail "$log"
  exit 1
fi

jars=$(find "$lib.tmp" -maxdepth 1 -name '*.jar' | wc -l)
printf 'version=%s\njars=%s\n' "$version" "$jars" >"$lib.tmp/.complete"
rm -rf "$lib"
mv "$lib.tmp" "$lib"
say "cassandra: $jars jars ($(du -sm "$lib" | cut -f1) MB) in ${lib#"$REPO_ROOT"/} after $(since "$t0")s"
