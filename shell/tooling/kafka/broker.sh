#!/usr/bin/env bash
# Single-node Kafka (KRaft) for development and CI, without Docker: the broker jars
# come from Maven Central (see pom.xml) and everything lives in <repo>/.cache/kafka.
#
#   broker.sh start|stop|status|fetch
#
# Env: KAFKA_BROKERS (first host:port is used, default 127.0.0.1:9092),
#      KAFKA_CONTROLLER_PORT (default 9093), KAFKA_HEAP_OPTS, KAFKA_START_TIMEOUT (s, default 90).
# shellcheck disable=SC2016 # the `bash -c '...'` probes receive host and port as $0 $1
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
CACHE="$ROOT/.cache/kafka"
LIBS="$CACHE/libs"
DATA="$CACHE/data"
PID_FILE="$CACHE/broker.pid"
LOG="$CACHE/broker.log"   # log4j output
OUT="$CACHE/broker.out"   # JVM stdout/stderr: only crashes end up here

ADDR="${KAFKA_BROKERS:-127.0.0.1:9092}"
ADDR="${ADDR%%,*}"
HOST="${ADDR%:*}"
PORT="${ADDR##*:}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

log() { echo "kafka: $*" >&2; }

# Speaks Kafka rather than just checking the port, so a foreign process on the port is
# not mistaken for a broker: sends ApiVersions v0 (correlation id 1) and expects the
# response to echo correlation id 1 with error code 0. `timeout` bounds connect and read.
answers() {
  local reply
  reply="$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\xff\xff" >&3
    head -c 10 <&3 | od -An -tx1 | tr -d " \n"' "$HOST" "$PORT" 2>/dev/null)" || return 1
  [[ "$reply" == 0000????000000010000 ]]
}

# The pid file only counts while it still points at our java process (pids get reused).
our_pid() {
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q kafka.Kafka && echo "$pid"
}

# libs/.pom.sum records which pom.xml the jars were copied for, so a version bump refetches.
fetch() {
  local sum
  sum="$(cksum <"$HERE/pom.xml")"
  [[ "$(cat "$LIBS/.pom.sum" 2>/dev/null)" == "$sum" ]] && return 0
  log "fetching broker jars with Maven into $LIBS"
  mkdir -p "$CACHE"
  rm -rf "$LIBS.tmp"
  local mvn=(mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies "-DoutputDirectory=$LIBS.tmp")
  # Offline first: a warm ~/.m2 (e.g. a restored CI cache) needs no network at all.
  # Maven reports errors on stdout (and litters it with ANSI resets), so show it only on failure.
  local out
  "${mvn[@]}" -o >/dev/null 2>&1 || out="$("${mvn[@]}" 2>&1)" || { echo "$out" >&2; return 1; }
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  echo "$sum" >"$LIBS/.pom.sum"
}

configure() {
  cat >"$CACHE/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA
# One node: internal topics cannot be replicated, and fewer partitions start faster.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=8
min.insync.replicas=1
# Tests should not wait 3 s for the first consumer-group rebalance.
group.initial.rebalance.delay.ms=0
num.partitions=8
# The application creates its topics explicitly; typos must fail, not create topics.
auto.create.topics.enable=false
EOF
  cat >"$CACHE/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$LOG
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
EOF
}

# Shows why startup failed and leaves nothing half-started behind.
fail_start() {
  log "$1 (log: $LOG)"
  grep -hE -A1 '^\[[^]]*\] (ERROR|FATAL) ' "$LOG" 2>/dev/null | grep -v '^--$' | tail -n 6 >&2 || true
  tail -n 20 "$OUT" >&2 2>/dev/null || true
  stop >/dev/null 2>&1
  exit 1
}

start() {
  if answers; then log "broker already answers at $HOST:$PORT, reusing it"; return 0; fi
  local pid
  if ! pid="$(our_pid)"; then
    # Anything else listening there would only make the broker die on bind; say so directly.
    if timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$PORT" 2>/dev/null; then
      log "$HOST:$PORT is taken by a process that does not answer as a Kafka broker"
      return 1
    fi
    fetch
    configure
    # Keep one previous log, so the errors reported below belong to this run.
    if [[ -f "$LOG" ]]; then mv "$LOG" "$LOG.prev"; fi
    local java=(java -cp "$LIBS/*" "-Dlog4j.configuration=file:$CACHE/log4j.properties")
    # Cluster id is generated once and kept, so the data dir stays valid across restarts.
    [[ -s "$CACHE/cluster.id" ]] || "${java[@]}" kafka.tools.StorageTool random-uuid >"$CACHE/cluster.id"
    [[ -f "$DATA/meta.properties" ]] ||
      "${java[@]}" kafka.tools.StorageTool format -t "$(cat "$CACHE/cluster.id")" \
        -c "$CACHE/server.properties" >/dev/null
    log "starting broker at $HOST:$PORT (log: $LOG)"
    # shellcheck disable=SC2086 # heap options are a word list
    nohup "${java[@]}" ${KAFKA_HEAP_OPTS:--Xms512m -Xmx512m} -XX:+UseG1GC -Djava.awt.headless=true \
      kafka.Kafka "$CACHE/server.properties" >"$OUT" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PID_FILE"
  fi
  # Wait for a real answer instead of sleeping a fixed time.
  local deadline=$((SECONDS + TIMEOUT))
  until answers; do
    kill -0 "$pid" 2>/dev/null || fail_start "broker exited during startup"
    ((SECONDS < deadline)) || fail_start "broker did not answer within ${TIMEOUT}s"
    sleep 0.5
  done
  log "broker ready at $HOST:$PORT (pid $pid)"
}

stop() {
  local pid
  if pid="$(our_pid)"; then
    kill "$pid" 2>/dev/null || true
    # A controlled shutdown flushes logs; give it time before forcing.
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "broker stopped (pid $pid)"
  else
    log "no broker started by this script is running"
  fi
  rm -f "$PID_FILE"
}

status() {
  local pid
  pid="$(our_pid)" || true
  if answers; then
    log "broker answers at $HOST:$PORT${pid:+ (pid $pid)}"
  else
    log "no broker answers at $HOST:$PORT"
    return 1
  fi
}

case "${1:-}" in
  start | stop | status | fetch) "$1" ;;
  *) echo "usage: $0 start|stop|status|fetch" >&2; exit 2 ;;
esac
