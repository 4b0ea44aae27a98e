#!/usr/bin/env bash
# Measures `smtpkit catch` with its store and web inbox (issue 18), as BENCHMARKS.md reports it:
#   1. throughput: smtp-source sends ROUNDS rounds of N 1-KiB messages over S sessions (a new
#      session per message) while a client holds the live event stream open, as a browser
#      showing the inbox does; each round prints messages/s and the CPU a message of the catcher
#      and of smtp-source (they share the machine's cores), then the medians. WARMUP messages
#      (30,000) go first, then 10,000 at a time until the JIT compiler is quiet, and they stay:
#      a method the catcher calls once a message reaches C2 only after ~15,000 calls, later when
#      the compiler is busy, so a shorter warm-up measures the JIT compiler (a third of the CPU
#      after 2,000); and deleting them would measure ext4 instead (without a journal it walks past
#      every inode deleted in the last minutes to make a new file);
#   2. the warm-up and all rounds but the last are deleted through the API, leaving N, and the
#      catcher is restarted on that folder: start-up time until the web inbox line is printed;
#   3. list and search latency over HTTP with those N messages, R requests each, p50 and p95.
# Usage: benchmarks/inbox/run.sh [N] [S] [R]   (default 10000 20 200); NO_FSYNC=1 adds
# --no-fsync, REUSE=1 sends many messages a session, WARMUP (the least warm-up), WARMUP_MAX, QUIET
# and ROUNDS (default 3) override. BROWSER=1 opens the inbox in Debian's chromium, headless, in
# place of curl holding the event stream: the page draws what arrives on the same two cores, and
# each round also prints the browser's CPU a message (all its processes). On a journal-less ext4, leave five minutes
# after a run (which deletes its folder at the end) before the next, for the reason above.
# Before the first round and after the last the script also times Postfix's smtp-sink (the CPU it
# needs a 1-KiB message on reused connections), a yardstick for the host's speed at that moment:
# on these VMs it moves by half within minutes, and msgs/s with it.
# Needs Postfix's smtp-source and smtp-sink, curl, python3, the JDK's jstat, and
# smtp-cli/target/smtpkit.jar (./smtpkit builds it); chromium for BROWSER=1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=common.sh
. "$root/benchmarks/inbox/common.sh"
jar="$root/smtp-cli/target/smtpkit.jar"
n="${1:-10000}"
sessions="${2:-20}"
requests="${3:-200}"
warmup="${WARMUP:-30000}"
rounds="${ROUNDS:-3}"
# REUSE=1: each of the S sessions sends message after message (smtp-source -d), as the server
# benchmark's 1 KiB rows do; by default a session carries one message.
reuse="${REUSE:+-d}"
work="$(mktemp -d)"
catcher=""
events=""
started_ms=0

cleanup() {
  [ -n "$events" ] && stop_events
  [ -n "$catcher" ] && kill "$catcher" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

smtp_port="$(free_port)"
http_port="$(free_port)"

# Starts the catcher (in this shell, so $catcher stays known to cleanup); sets $started_ms to the
# milliseconds until its web inbox line appeared.
start_catcher() {
  local log="$1" t0 t1
  t0="$(date +%s%N)"
  # 1 GiB: the inbox lists messages while their summaries fit half the heap (about 2.2 KB for a
  # 1-KiB message); at 256 MiB the warm-up and three rounds came to that bound.
  java -Xmx1g -jar "$jar" catch --port "$smtp_port" --http-port "$http_port" --dir "$work/mail" \
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

# The median of the numbers on standard input, one a line.
median() {
  sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# What holds the live event stream open: curl, or with BROWSER=1 chromium showing the inbox, in
# a session of its own so that all its processes can be counted and stopped together.
start_events() {
  if [ -n "${BROWSER:-}" ]; then
    events="$(start_chromium "http://127.0.0.1:$http_port/" "$work/chromium")"
    # until the page holds the event stream, as the inbox logs nothing of it: its first list request
    sleep 5
  else
    # the events the page asks for on its messages view
    curl -sN "http://127.0.0.1:$http_port/api/v1/events?types=stored,deleted,faults" >/dev/null &
    events=$!
  fi
}

stop_events() {
  if [ -n "${BROWSER:-}" ]; then
    kill -- "-$events" 2>/dev/null || true
  else
    kill "$events" 2>/dev/null || true
  fi
  events=""
}

# The CPU of the browser's processes so far, in clock ticks.
browser_ticks() {
  if [ -n "${BROWSER:-}" ]; then session_ticks "$events"; else echo 0; fi
}

# The CPU smtp-sink needs a 1-KiB message (µs), second of two runs of 30,000 on 20 reused sessions.
host_speed() {
  local port sink c0 c1
  port="$(free_port)"
  # as root smtp-sink must be told a user to run as
  /usr/sbin/smtp-sink $([ "$(id -u)" = 0 ] && echo "-u nobody") "127.0.0.1:$port" 1000 >/dev/null 2>&1 &
  sink=$!
  sleep 0.5
  /usr/sbin/smtp-source -s 20 -d -l 1024 -m 30000 "127.0.0.1:$port"
  c0="$(awk '{print $14 + $15}' "/proc/$sink/stat")"
  /usr/sbin/smtp-source -s 20 -d -l 1024 -m 30000 "127.0.0.1:$port"
  c1="$(awk '{print $14 + $15}' "/proc/$sink/stat")"
  kill "$sink"; wait "$sink" 2>/dev/null || true
  echo "$(( (c1 - c0) * 1000000 / $(getconf CLK_TCK) / 30000 ))"
}

total() {
  curl -s "http://127.0.0.1:$http_port/api/v1/messages?limit=1" | sed 's/^{"total":\([0-9]*\).*/\1/'
}

start_catcher "$work/catch1.log"
start_events
/usr/sbin/smtp-source $reuse -s "$sessions" -m "$warmup" -l 1024 -f a@example.com -t b@example.org "127.0.0.1:$smtp_port"
# Then on in steps of 10,000 until the JIT compiler is quiet: methods called once a message still
# reach C2 past 30,000 messages (120 and 140 compilations in the 10,000 before 20,000 and 30,000,
# 38 before 50,000), and each round would otherwise measure its share of them. Quiet is fewer
# than QUIET (20) methods compiled in a step (jstat); at most WARMUP_MAX (100,000) messages.
compiled() { jstat -compiler "$catcher" | awk 'NR == 2 { print $1 }'; }
before="$(compiled)"
while [ "$warmup" -lt "${WARMUP_MAX:-100000}" ]; do
  /usr/sbin/smtp-source $reuse -s "$sessions" -m 10000 -l 1024 -f a@example.com -t b@example.org "127.0.0.1:$smtp_port"
  warmup=$(( warmup + 10000 ))
  after="$(compiled)"
  echo "warm-up at $warmup messages: $(( after - before )) methods compiled in the last 10,000"
  [ $(( after - before )) -lt "${QUIET:-20}" ] && break
  before="$after"
done
echo "load average after a warm-up of $warmup messages: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "host speed before the rounds: smtp-sink $(host_speed) µs of CPU a 1-KiB message"
: >"$work/rounds"
for round in $(seq "$rounds"); do
  cpu0="$(awk '{print $14 + $15}' "/proc/$catcher/stat")"
  browser0="$(browser_ticks)"
  t0="$(date +%s%N)"
  # The subshell's only child is smtp-source: its user and system CPU are the second line of times.
  source_us="$( { /usr/sbin/smtp-source $reuse -s "$sessions" -m "$n" -l 1024 -f a@example.com -t b@example.org \
    "127.0.0.1:$smtp_port" >&2; times; } | tail -1 \
    | awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); t += p[1] * 60 + p[2] } printf "%d", t * 1000000 }')"
  t1="$(date +%s%N)"
  cpu="$(( $(awk '{print $14 + $15}' "/proc/$catcher/stat") - cpu0 ))"
  browser="$(( $(browser_ticks) - browser0 ))"
  rate="$(( n * 1000000000 / (t1 - t0) ))"
  # CPU in clock ticks of 10 ms (getconf CLK_TCK: 100): ticks * 10,000 / n is µs a message
  echo "$rate $(( cpu * 10000 / n )) $(( source_us / n )) $(( browser * 10000 / n ))" >>"$work/rounds"
  echo "round $round: $n messages of 1 KiB over $sessions ${reuse:+reused }sessions in $(( (t1 - t0) / 1000000 )) ms:" \
    "$rate messages/s; CPU a message: catcher $(( cpu * 10000 / n )) µs, smtp-source $(( source_us / n )) µs" \
    "${BROWSER:+, chromium $(( browser * 10000 / n )) µs};" \
    "load $(cut -d' ' -f1 /proc/loadavg)"
done
stop_events
echo "host speed after the rounds: smtp-sink $(host_speed) µs of CPU a 1-KiB message"
stored="$(total)"
echo "throughput, median of $rounds rounds: $(cut -d' ' -f1 "$work/rounds" | median) messages/s;" \
  "CPU a message: catcher $(cut -d' ' -f2 "$work/rounds" | median) µs," \
  "smtp-source $(cut -d' ' -f3 "$work/rounds" | median) µs${BROWSER:+, chromium $(cut -d' ' -f4 "$work/rounds" | median) µs};" \
  "$stored stored of $(( warmup + rounds * n )) sent"
# Keeps the newest N for the rest: the list is newest first, so the others are from its position N
# on; deleted a page at a time, as a request body is at most 1 MiB.
while [ "$stored" -gt "$n" ]; do
  curl -sf "http://127.0.0.1:$http_port/api/v1/messages?start=$n&limit=5000" \
    | python3 -c 'import json, sys; print(json.dumps({"IDs": [m["ID"] for m in json.load(sys.stdin)["messages"]]}))' \
    >"$work/older.json"
  curl -sf -X DELETE -H 'Content-Type: application/json' --data-binary "@$work/older.json" \
    "http://127.0.0.1:$http_port/api/v1/messages" >/dev/null
  stored="$(total)"
done
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
