#!/usr/bin/env bash
# Soak run: drives MESSAGES messages (default 1,000,000) through the smtpkit sink with Postfix's
# smtp-source (20 sessions, 1 KB each), samples the server's resident memory (VmRSS), thread count
# and open file descriptors every INTERVAL seconds into a CSV, and says at the end whether they
# stayed flat: the last quarter of the samples against the second quarter (the first is warm-up),
# within TOLERANCE percent (RSS) and a few threads / descriptors.
#
# Usage: benchmarks/soak/run.sh [MESSAGES]
# Environment: INTERVAL (seconds, default 5), TOLERANCE (percent, default 15), SESSIONS (default 20),
#              OUT (the CSV, default benchmarks/soak/soak-<N>.csv), JAVA_OPTS (for the server).
# Exit status: 0 when flat, 1 when something grew, 2 when the run itself failed.
set -euo pipefail

messages="${1:-1000000}"
interval="${INTERVAL:-5}"
tolerance="${TOLERANCE:-15}"
sessions="${SESSIONS:-20}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${OUT:-$here/soak-$messages.csv}"
jar="$root/smtp-cli/target/smtpkit.jar"

case "$messages" in
  ''|*[!0-9]*) echo "run.sh: MESSAGES must be a positive number, not '$messages'" >&2; exit 2 ;;
esac
if [ ! -x /usr/sbin/smtp-source ]; then
  echo "run.sh: /usr/sbin/smtp-source is missing (Debian: apt-get install postfix)" >&2
  exit 2
fi

# Build the jar through the checkout's wrapper (package, never install) if it is missing or stale.
"$root/smtpkit" --version >/dev/null

# A free port on 127.0.0.1, asked of the kernel rather than guessed.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

log="$(mktemp -t smtpkit-soak.XXXXXX.log)"
# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -jar "$jar" sink --port "$port" --interval 30 >"$log" 2>&1 &
server=$!
source_pid=""
cleanup() {
  [ -n "$source_pid" ] && kill "$source_pid" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
trap cleanup EXIT

# Wait (bounded) until the sink accepts connections.
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "run.sh: the sink exited at start:" >&2; cat "$log" >&2; exit 2
  fi
  sleep 0.2
done

sample() {
  local rss threads fds
  rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$server/status")"
  threads="$(awk '/^Threads:/ {print $2}' "/proc/$server/status")"
  fds="$(ls "/proc/$server/fd" | wc -l)"
  echo "$(( $(date +%s) - start )),$rss,$threads,$fds" >>"$out"
}

echo "seconds,rss_kb,threads,fds" >"$out"
start="$(date +%s)"
sample
/usr/sbin/smtp-source -s "$sessions" -m "$messages" -l 1024 -f soak@example.com -t sink@example.com \
    "127.0.0.1:$port" &
source_pid=$!
while kill -0 "$source_pid" 2>/dev/null; do
  sleep "$interval"
  kill -0 "$server" 2>/dev/null || { echo "run.sh: the sink died:" >&2; tail -20 "$log" >&2; exit 2; }
  sample
done
if ! wait "$source_pid"; then
  echo "run.sh: smtp-source failed" >&2; exit 2
fi
source_pid=""
end="$(date +%s)"
sample
duration=$(( end - start ))
[ "$duration" -gt 0 ] || duration=1

# Flatness: mean of each column over the second quarter of samples against the last quarter.
verdict="$(awk -F, -v tol="$tolerance" '
  NR > 1 { n++; t[n] = $1; r[n] = $2; th[n] = $3; f[n] = $4 }
  function mean(a, from, to,   s, i) { s = 0; for (i = from; i <= to; i++) s += a[i]; return s / (to - from + 1) }
  END {
    if (n < 8) { print "UNKNOWN: only " n " samples; run longer or lower INTERVAL"; exit }
    q = int(n / 4)
    r2 = mean(r, q + 1, 2 * q); r4 = mean(r, n - q + 1, n)
    t2 = mean(th, q + 1, 2 * q); t4 = mean(th, n - q + 1, n)
    f2 = mean(f, q + 1, 2 * q); f4 = mean(f, n - q + 1, n)
    flat = (r4 <= r2 * (1 + tol / 100)) && (t4 <= t2 + 4) && (f4 <= f2 + 8)
    printf "%s: RSS %.0f -> %.0f KB (%+.1f%%, tolerance %d%%), threads %.1f -> %.1f, fds %.1f -> %.1f (second quarter -> last quarter, %d samples)\n",
      flat ? "FLAT" : "GREW", r2, r4, (r4 - r2) * 100 / r2, tol, t2, t4, f2, f4, n
  }' "$out")"

first="$(sed -n 2p "$out")"
middle="$(awk -F, 'NR > 1 { l[++n] = $0 } END { print l[int((n + 1) / 2)] }' "$out")"
last="$(tail -1 "$out")"
echo "messages: $messages in ${duration}s ($(( messages / duration )) msgs/s), $sessions sessions, 1 KB each"
echo "samples (seconds,rss_kb,threads,fds): start $first | middle $middle | end $last"
echo "CSV: $out"
echo "$verdict"
case "$verdict" in
  FLAT*) exit 0 ;;
  GREW*) exit 1 ;;
  *) exit 2 ;;
esac
