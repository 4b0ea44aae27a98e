#!/usr/bin/env bash
# The flood of issue 15: 30,000 connections from 127.1.x.y and 127.2.x.y held for 25 s against
# the benchmark's smtpkit server at -Xmx64m; a well-behaved client from 127.0.0.1 sends a message
# during the flood and again after it; then SIGTERM must end the server.
#
#   benchmarks/flood/run.sh NETTY|JDK [PORT]
set -euo pipefail
cd "$(dirname "$0")/../.."
transport=${1:?NETTY or JDK}
port=${2:-2601}
ulimit -n "$(ulimit -Hn)"
mvn -B -q -DskipTests package -pl benchmarks -am
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
log=$(mktemp)
# The server reads its standard input until the harness goes; a sleep stands in for the harness.
(sleep 3600 | java -Xmx64m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" \
  dev.smtpkit.benchmarks.servers.SmtpkitServer "$port" "$transport" > "$log" 2>&1) > /dev/null 2>&1 &
until grep -q READY "$log"; do sleep 0.2; done
pid=$(pgrep -f "SmtpkitServer $port $transport")
/usr/bin/python3 benchmarks/flood/flood.py "$port" 15000 127.1 25 &
/usr/bin/python3 benchmarks/flood/flood.py "$port" 15000 127.2 25 &
sleep 8
echo "during the flood, a client from 127.0.0.1: $(/usr/bin/python3 benchmarks/flood/probe.py "$port")"
echo "server RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/"$pid"/status)"
wait %2 %3 2>/dev/null || true
echo "after the flood: $(/usr/bin/python3 benchmarks/flood/probe.py "$port")"
echo "OutOfMemoryError in the server's log: $(grep -c OutOfMemoryError "$log" || true)"
kill -TERM "$pid"
for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
if kill -0 "$pid" 2>/dev/null; then echo "still running 10 s after SIGTERM"; kill -KILL "$pid"; exit 1; fi
echo "ended on SIGTERM"
pkill -f "sleep 3600" || true
rm -f "$log"
