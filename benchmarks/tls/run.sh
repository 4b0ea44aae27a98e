#!/usr/bin/env bash
# STARTTLS handshakes against the benchmark's smtpkit server (-Xmx64m): THREADS clients each
# making full handshakes back to back, while one plain client sends a small message every 5 ms.
# Prints handshakes a second, the server's CPU a handshake, and the plain client's time a message,
# measured after 45 s of the same load: before that the JIT compiler is still at work on the TLS
# code and takes more CPU than the handshakes (8.6 against 3.7 ms a handshake after 10 s).
#
#   benchmarks/tls/run.sh NETTY|JDK [tls|tls-rsa] [THREADS] [SECONDS] [PORT]
#
# JOPTS passes options to the server's JVM (-Dsmtpkit.bench.eventLoops=2, say). The clients set
# TCP_NODELAY; NAGLE=1 leaves Nagle's algorithm on (then the JDK client's lone ChangeCipherSpec
# waits 40 ms for the server's delayed ACK in most handshakes, on either transport).
set -euo pipefail
cd "$(dirname "$0")/../.."
transport=${1:?NETTY or JDK}
key=${2:-tls}
threads=${3:-8}
seconds=${4:-20}
port=${5:-2602}
[ -n "${SKIP_BUILD:-}" ] || mvn -B -q -DskipTests package -pl benchmarks -am
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
log=$(mktemp)
# The server reads its standard input until the harness goes; a sleep stands in for the harness.
(sleep 3600 | java -Xmx64m ${JOPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" \
  dev.smtpkit.benchmarks.servers.SmtpkitServer "$port" "$transport" "$key" > "$log" 2>&1) > /dev/null 2>&1 &
until grep -q READY "$log"; do sleep 0.2; done
pid=$(pgrep -f "SmtpkitServer $port $transport $key")
java -Dsmtpkit.bench.nagle="${NAGLE:+true}" -cp "$CP" dev.smtpkit.benchmarks.clients.TlsLoad "$port" "$pid" "$threads" 45 "$seconds"
kill -TERM "$pid"
for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
pkill -f "sleep 3600" || true
rm -f "$log"
