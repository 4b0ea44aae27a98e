#!/usr/bin/env bash
# What the web inbox's page costs while mail pours in, for two builds of smtpkit.jar measured in
# turn (A, B, A, B...), so that a change to the page or to its event stream is judged against the
# same moment of the machine: a host of this kind changes speed by half within minutes.
#
# For each build and pass: `catch` on a tmpfs folder (the disk is not the question here), WARMUP
# messages (40,000: fewer leave the first round to the JIT compiler) from smtp-source with no page open, then Debian's chromium opens the inbox,
# headless, and smtp-source sends ROUNDS (3) rounds of N (10,000) 1-KiB messages over 20 sessions,
# a session per message. Each round prints messages/s and the CPU a message of the catcher and of
# chromium (all its processes: those that ended count in their parent's).
# Usage: benchmarks/inbox/browser-ab.sh JAR_A JAR_B [PASSES]   (default 2 passes)
# Needs Postfix's smtp-source, chromium, python3 and a tmpfs at /dev/shm.
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

[ $# -ge 2 ] || { echo "usage: $0 JAR_A JAR_B [PASSES]" >&2; exit 2; }
jars=("$1" "$2")
passes="${3:-2}"
n="${N:-10000}"
warmup="${WARMUP:-40000}"
rounds="${ROUNDS:-3}"
work="$(mktemp -d /dev/shm/browser-ab.XXXXXX)"
catcher=""
browser=""

cleanup() {
  [ -n "$browser" ] && kill -- "-$browser" 2>/dev/null || true
  [ -n "$catcher" ] && kill "$catcher" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT


tick_us=$(( 1000000 / $(getconf CLK_TCK) ))
for pass in $(seq "$passes"); do
  for which in 0 1; do
    jar="${jars[$which]}"
    smtp_port="$(free_port)"
    http_port="$(free_port)"
    rm -rf "$work/mail" "$work/chromium"
    java -Xmx1g -jar "$jar" catch --port "$smtp_port" --http-port "$http_port" --dir "$work/mail" >"$work/catch.log" 2>&1 &
    catcher=$!
    until grep -qs "web inbox and REST API" "$work/catch.log"; do
      kill -0 "$catcher" 2>/dev/null || { cat "$work/catch.log" >&2; exit 1; }
      sleep 0.1
    done
    /usr/sbin/smtp-source -s 20 -m "$warmup" -l 1024 -f a@example.com -t b@example.org "127.0.0.1:$smtp_port"
    browser="$(start_chromium "http://127.0.0.1:$http_port/" "$work/chromium")"
    sleep 6
    for round in $(seq "$rounds"); do
      b0="$(session_ticks "$browser")"; c0="$(awk '{print $14 + $15}' "/proc/$catcher/stat")"; t0="$(date +%s%N)"
      /usr/sbin/smtp-source -s 20 -m "$n" -l 1024 -f a@example.com -t b@example.org "127.0.0.1:$smtp_port"
      t1="$(date +%s%N)"; c1="$(awk '{print $14 + $15}' "/proc/$catcher/stat")"; b1="$(session_ticks "$browser")"
      echo "pass $pass, $(basename "$jar") ($([ "$which" = 0 ] && echo A || echo B)), round $round:" \
        "$(( n * 1000000000 / (t1 - t0) )) messages/s; CPU a message: catcher $(( (c1 - c0) * tick_us / n )) µs," \
        "chromium $(( (b1 - b0) * tick_us / n )) µs"
    done
    kill -- "-$browser" 2>/dev/null || true; browser=""
    kill "$catcher"; wait "$catcher" 2>/dev/null || true; catcher=""
  done
done
