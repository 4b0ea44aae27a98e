#!/usr/bin/env bash
# Measures `smtpkit catch` with its store and web inbox (issue 18), as BENCHMARKS.md reports it:
#   1. throughput: smtp-source sends N 1-KiB messages over S sessions (one message each) while a
#      client holds the live event stream open, as a browser showing the inbox does; WARMUP
#      messages (2000) sent first and deleted warm the JVM up (its JIT compiler otherwise takes
#      most of the CPU); not more, as ext4 makes new files slower after many are deleted;
#   2. start-up with those N messages in the folder (time until the web inbox line is printed);
#   3. list and search latency over HTTP, R requests each, p50 and p95.
# Usage: benchmarks/inbox/run.sh [N] [S] [R]   (default 10000 20 200); NO_FSYNC=1 adds --no-fsync.
# Needs Postfix's smtp-source, curl, and smtp-cli/target/smtpkit.jar (./smtpkit builds it).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="$root/smtp-cli/target/smtpkit.jar"
n="${1:-10000}"
sessions="${2:-20}"
requests="${3:-200}"
warmup="${WARMUP:-2000}"
work="$(mktemp -d)"
catcher=""
events=""
started_ms=0

cleanup() {
  [ -n "$events" ] && kill "$events" 2>/dev/null || true
  [ -n "$catcher" ] && kill "$catcher" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

smtp_port="$(free_port)"
http_port="$(free_port)"

# Starts the catcher (in this shell, so $catcher stays known to cleanup); sets $started_ms to the
# milliseconds until its web inbox line appeared.
start_catcher() {
  local log="$1" t0 t1
  t0="$(date +%s%N)"
  java -Xmx256m -jar "$jar" catch --port "$smtp_port" --http-port "$http_port" --dir "$work/mail" \
    ${NO_FSYNC:+--no-fsync} >"$log" 2>&1 &
  catcher=$!
  until grep -qs "web inbox and REST API" "$log"; do
    kill -0 "$catcher" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.01
  done
  t1="$(date +%s%N)"
  started_ms=$(( (t1 - t0) / 1000000 ))
}

stop_catcher() {
  kill "$catcher"
  wait "$catcher" 2>/dev/null || true
  catcher=""
}

# p50 and p95 of R requests to a URL, in milliseconds.
latency() {
  local url="$1"
  for _ in $(seq "$requests"); do
    curl -s -o /dev/null -w '%{time_total}\n' "$url"
  done | sort -n | awk '{ v[NR] = $1 * 1000 } END { printf "p50 %.1f ms, p95 %.1f ms", v[int(NR * 0.5)], v[int(NR * 0.95)] }'
}

start_catcher "$work/catch1.log"
curl -sN "http://127.0.0.1:$http_port/api/v1/events" >/dev/null &
events=$!
/usr/sbin/smtp-source -s "$sessions" -m "$warmup" -l 1024 -f a@example.com -t b@example.org "127.0.0.1:$smtp_port"
curl -s -X DELETE "http://127.0.0.1:$http_port/api/v1/messages" >/dev/null
cpu0="$(awk '{print $14 + $15}' "/proc/$catcher/stat")"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
t0="$(date +%s%N)"
/usr/sbin/smtp-source -s "$sessions" -m "$n" -l 1024 -f a@example.com -t b@example.org "127.0.0.1:$smtp_port"
t1="$(date +%s%N)"
kill "$events"; events=""
stored="$(curl -s "http://127.0.0.1:$http_port/api/v1/messages?limit=1" | sed 's/^{"total":\([0-9]*\).*/\1/')"
cpu="$(( $(awk '{print $14 + $15}' "/proc/$catcher/stat") - cpu0 ))"
echo "throughput: $n messages of 1 KiB over $sessions sessions in $(( (t1 - t0) / 1000000 )) ms:" \
  "$(( n * 1000000000 / (t1 - t0) )) messages/s; $stored stored;" \
  "catcher CPU $(( cpu * 10 )) ms, $(( cpu * 10000 / n )) µs a message"
stop_catcher

start_catcher "$work/catch2.log"
ms="$started_ms"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "start-up with $stored messages: $ms ms ($(sed -n 2p "$work/catch2.log"))"
base="http://127.0.0.1:$http_port/api/v1"
echo "list (GET /api/v1/messages, 50 a page): $(latency "$base/messages")"
echo "list, last page (start=$(( stored - 50 ))): $(latency "$base/messages?start=$(( stored - 50 ))")"
echo "search matching all (from:a@example.com): $(latency "$base/search?query=from:a@example.com")"
echo "search matching none (a word found nowhere): $(latency "$base/search?query=zebra-unicorn")"
echo "message (GET /api/v1/message/latest): $(latency "$base/message/latest")"
