# shellcheck shell=bash
# Cassandra backend: address (first of CHIRP_CASSANDRA_CONTACT_POINTS), how to get and
# start our own (Maven Central jars on Java 17, under .deps/cassandra), how to check it
# (a real CQL query). Sourced by up/down/status.sh.

cassandra_addr() {
  local cps=${CHIRP_CASSANDRA_CONTACT_POINTS:-127.0.0.1:9042}
  parse_addr "${cps%%,*}" 9042
}
cassandra_dir() { printf '%s/cassandra' "$DEPS_DIR"; }
cassandra_pidfile() { printf '%s/cassandra/cassandra.pid' "$DEPS_DIR"; }
cassandra_logs() { printf '%s\n' "$DEPS_DIR/cassandra/logs/system.log" "$DEPS_DIR/cassandra/logs/stdout.log"; }
cassandra_pattern() { printf 'org.apache.cassandra.service.CassandraDaemon'; }
cassandra_stop_grace() { printf '60'; }
cassandra_default_timeout() { printf '180'; }
cassandra_probe() { probe_cql "$1" "$2"; }

# Version of our jars (the lib folder's marker).
cassandra_local_version() {
  sed -n 's/^version=//p' "$DEPS_DIR/cassandra/lib/.complete" 2>/dev/null | grep .
}

# Download the jars if needed (prints progress); not counted in the start time.
cassandra_prepare() { "$DEPS_SCRIPTS/cassandra/fetch.sh"; }

cassandra_start() { "$DEPS_SCRIPTS/cassandra/start.sh" "$1" "$2"; }
