#!/usr/bin/env bash
# Runs the whole comparison of BENCHMARKS.md: builds the benchmarks module with the reactor, then
# starts every server, client and JMH run from one Java harness (dev.smtpkit.benchmarks.Compare).
#
#   benchmarks/run.sh            full run (about 22 minutes); rewrites the results in
#                                BENCHMARKS.md and benchmarks/results/
#   benchmarks/run.sh --quick    shorter runs, 2,000 idle connections; writes only
#                                benchmarks/target/bench/
#   benchmarks/run.sh --only=server,scaling,idle,clients,jmh   some sections, into target/bench/
#
# Needs Postfix's smtp-source/smtp-sink and Debian's python3-aiosmtpd (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in /usr/sbin/smtp-source /usr/sbin/smtp-sink; do
  [ -x "$tool" ] || { echo "missing $tool: apt-get install postfix" >&2; exit 1; }
done
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || { echo "missing aiosmtpd: apt-get install python3-aiosmtpd" >&2; exit 1; }

# 10,000 idle connections need as many descriptors in the server and in the harness.
ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10100 ]; then
  echo "ulimit -n is $(ulimit -n); the idle-connection run needs more than 10,100" >&2
  exit 1
fi

mvn -B -q -DskipTests package -pl benchmarks -am
# The floor row (ServerTarget.FLOOR): a thread-per-connection responder in C; without cc the row says so.
if command -v cc >/dev/null; then
  mkdir -p benchmarks/target/floor
  cc -O2 -pthread -o benchmarks/target/floor/floor benchmarks/floor/floor.c
fi
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/target/bench
rm -rf "$OUT"
java -Xmx512m -cp "$CP" dev.smtpkit.benchmarks.Compare --out="$OUT" "$@"

# Only a full run replaces the committed results, so BENCHMARKS.md always shows one whole run.
if [ $# -eq 0 ]; then
  mkdir -p benchmarks/results
  cp "$OUT/results.md" "$OUT/scaling.png" "$OUT/jmh.csv" benchmarks/results/
  awk -v results="$OUT/results.md" '
    /<!-- results:begin -->/ { print; while ((getline l < results) > 0) print l; skip = 1; next }
    /<!-- results:end -->/   { skip = 0 }
    !skip' BENCHMARKS.md > BENCHMARKS.md.new && mv BENCHMARKS.md.new BENCHMARKS.md
  echo "updated BENCHMARKS.md and benchmarks/results/"
fi
