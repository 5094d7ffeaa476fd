#!/usr/bin/env bash
# Starts the project's single-node Cassandra on HOST:PORT as a daemon (own session,
# survives this script) and prints its pid; the pid also goes to .deps/cassandra/cassandra.pid.
# Expects the jars from fetch.sh. Does not wait for readiness (up.sh does).
# usage: start.sh HOST PORT
# Env: CHIRP_CASSANDRA_HEAP_MIN (512m), CHIRP_CASSANDRA_HEAP_MAX (1g),
#      CHIRP_CASSANDRA_STORAGE_PORT (7000), CHIRP_CASSANDRA_CDS (1 = use/create a
#      class-data-sharing archive for a faster start; 0 = off), CHIRP_CASSANDRA_JAMM (1 = load
#      the jamm agent as Cassandra's own launcher does; default 0: Cassandra then measures
#      objects without it, no measurable difference in start time), CHIRP_CASSANDRA_JVM_OPTS
#      (extra JVM options, appended last), CHIRP_CASSANDRA_TIMER_SLACK_NS (500000; 0 = the
#      kernel's default, 50000).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$here/../lib.sh"

host=${1:?usage: start.sh HOST PORT}
port=${2:?usage: start.sh HOST PORT}
base=$DEPS_DIR/cassandra
lib=$base/lib
conf=$base/conf
logs=$base/logs
data=$base/data
pidfile=$base/cassandra.pid

[[ -f $lib/.complete ]] || { err "no jars in $lib; run $here/fetch.sh first"; exit 1; }
java_home=$("$here/java-home.sh")
mkdir -p "$conf" "$logs" "$data"/{data,commitlog,saved_caches,hints,cdc_raw}

sed -e "s#@HOST@#$(bind_host "$host")#g" \
  -e "s#@NATIVE_PORT@#$port#g" \
  -e "s#@STORAGE_PORT@#${CHIRP_CASSANDRA_STORAGE_PORT:-7000}#g" \
  -e "s#@DATA@#$data#g" \
  "$here/cassandra.yaml.in" >"$conf/cassandra.yaml"

jvm=()
while read -r line; do
  line=${line%%#*}
  # shellcheck disable=SC2206 # "--add-opens x=y" is two arguments
  [[ -n ${line// /} ]] && jvm+=($line)
done <"$here/jvm.options"

jvm+=(
  "-Xms${CHIRP_CASSANDRA_HEAP_MIN:-512m}" "-Xmx${CHIRP_CASSANDRA_HEAP_MAX:-1g}"
  "-XX:ErrorFile=$logs/hs_err_%p.log"
  "-Dcassandra.config=file://$conf/cassandra.yaml"
  "-Dcassandra.logdir=$logs"
  "-Dcassandra.storagedir=$data"
  "-Dcassandra-pidfile=$pidfile"
  "-Dlogback.configurationFile=$here/logback.xml"
)
jamm=$(find "$lib" -maxdepth 1 -name 'jamm-*.jar' | head -n 1)
agent=0
if [[ -n $jamm && ${CHIRP_CASSANDRA_JAMM:-0} == 1 ]]; then
  jvm+=("-javaagent:$jamm")
  agent=1
fi

# Class-data sharing: the first run records the classes it loads into an archive when the
# JVM exits (deps-down); later starts map it instead of parsing ~10k classes again.
# The archive is keyed by the JVM build and the jar set, so a change of either makes a new one.
if [[ ${CHIRP_CASSANDRA_CDS:-1} == 1 ]]; then
  key=$({ "$java_home/bin/java" -version 2>&1; cat "$lib/.complete"; stat -c %i "$lib"; echo "agent=$agent"; } | md5sum | cut -c1-12)
  jsa=$base/cds/cassandra-$key.jsa
  mkdir -p "$base/cds"
  jvm+=(-Xlog:cds=off -Xlog:cds+dynamic=off)
  ((agent)) && jvm+=(-XX:+UnlockDiagnosticVMOptions -XX:+AllowArchivingWithJavaAgent)
  if [[ -s $jsa ]]; then
    jvm+=("-XX:SharedArchiveFile=$jsa")
  else
    find "$base/cds" -name '*.jsa' -delete
    jvm+=("-XX:ArchiveClassesAtExit=$jsa")
  fi
fi

# Extra JVM options last, so they win.
# shellcheck disable=SC2206 # split on spaces like JAVA_OPTS
[[ -n ${CHIRP_CASSANDRA_JVM_OPTS:-} ]] && jvm+=($CHIRP_CASSANDRA_JVM_OPTS)

# Timer slack, inherited by the JVM: Cassandra's shared thread pools spin between tasks,
# parking 10 µs at a time, and on a 2-core box at a few hundred requests/s that spinning
# costs more CPU than the requests; with more slack the kernel wakes them less often, for a
# little more latency a query on an idle node (figures in scripts/deps/README.md).
slack=${CHIRP_CASSANDRA_TIMER_SLACK_NS:-500000}
if [[ $slack != 0 ]] && ! { printf '%s' "$slack" >"/proc/$BASHPID/timerslack_ns"; } 2>/dev/null; then
  warn "cassandra: could not set the timer slack to $slack ns (needs Linux >= 4.6); idle CPU will be higher"
fi

: >"$logs/stdout.log"
cd "$base"
spawn_daemon "$pidfile" "$logs/stdout.log" \
  "$java_home/bin/java" "${jvm[@]}" -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon
