# shellcheck shell=bash
# Protocol-level probes in plain bash (/dev/tcp): each prints the server's version and
# returns 0 only if the server really speaks its protocol. Every probe is bounded by
# `timeout`, so a port that accepts and then stays silent cannot hang us.
# Sourced, never run.

PROBE_TIMEOUT=${CHIRP_DEPS_PROBE_TIMEOUT:-3}

# Redis: PING (after AUTH if a password is given) and INFO server -> redis_version.
# usage: probe_redis host port [password]
probe_redis() {
  # shellcheck disable=SC2016 # the inner script expands its own variables
  timeout "$PROBE_TIMEOUT" bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    if [[ -n $2 ]]; then
      printf "*2\r\n\$4\r\nAUTH\r\n\$%d\r\n%s\r\n" "${#2}" "$2" >&3
      IFS= read -r line <&3 || exit 1
      [[ $line == "+OK"* ]] || { echo "AUTH failed: ${line%$'\''\r'\''}" >&2; exit 1; }
    fi
    printf "*1\r\n\$4\r\nPING\r\n*2\r\n\$4\r\nINFO\r\n\$6\r\nserver\r\n" >&3
    IFS= read -r line <&3 || exit 1
    [[ $line == "+PONG"* ]] || { echo "unexpected reply: ${line%$'\''\r'\''}" >&2; exit 1; }
    while IFS= read -r line <&3; do
      if [[ $line == redis_version:* ]]; then
        line=${line#redis_version:}
        printf "%s\n" "${line%$'\''\r'\''}"
        exit 0
      fi
    done
    exit 1
  ' "$1" "$2" "${3:-}"
}

# NATS: the server greets every client with "INFO {json}". Prints the JSON.
# usage: nats_info host port
nats_info() {
  # shellcheck disable=SC2016
  timeout "$PROBE_TIMEOUT" bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    IFS= read -r line <&3 || exit 1
    [[ $line == "INFO "* ]] || exit 1
    line=${line#INFO }
    printf "%s\n" "${line%$'\''\r'\''}"
  ' "$1" "$2"
}

json_str() { sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$1"; }

# usage: probe_nats host port -> prints version; fails if JetStream is off.
probe_nats() {
  local info
  info=$(nats_info "$1" "$2") || return 1
  json_str "$info" version
  if [[ $info != *'"jetstream":true'* ]]; then
    echo "NATS answers but JetStream is not enabled" >&2
    return 4
  fi
}

# Cassandra: CQL native protocol v4. STARTUP must be answered by READY, then
# "SELECT release_version FROM system.local" must return a RESULT; prints the version.
# Exit 2 if the server demands authentication (it speaks CQL, version unknown).
# usage: probe_cql host port
probe_cql() {
  # shellcheck disable=SC2016
  timeout "$PROBE_TIMEOUT" bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    hdr() { head -c 9 <&3 | od -An -tx1 | tr -d " \n"; }
    # header: version 4, flags 0, stream 1, opcode STARTUP(0x01), length 22
    printf "\x04\x00\x00\x01\x01\x00\x00\x00\x16\x00\x01\x00\x0bCQL_VERSION\x00\x053.0.0" >&3
    h=$(hdr)
    case ${h:8:2} in
      02) ;;        # READY
      03) exit 2 ;; # AUTHENTICATE
      *) exit 1 ;;
    esac
    q="SELECT release_version FROM system.local"
    # stream 2, opcode QUERY(0x07), body: [long string] query, consistency ONE, flags 0
    printf "\x04\x00\x00\x02\x07\x00\x00\x00\x2f\x00\x00\x00\x28%s\x00\x01\x00" "$q" >&3
    h=$(hdr)
    [[ ${h:8:2} == 08 ]] || exit 1 # RESULT
    len=$((16#${h:10:8}))
    v=$(head -c "$len" <&3 | tr -c "[:print:]" "\n" | grep -E "^[0-9]+\.[0-9]+" | tail -n 1)
    [[ -n $v ]] || exit 1
    printf "%s\n" "$v"
  ' "$1" "$2"
}
