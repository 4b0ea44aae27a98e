# Shell functions shared by run.sh and browser-ab.sh; sourced, not run.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts Debian's chromium, headless, on URL with its profile in DIR, in a session of its own so
# that all its processes can be counted and stopped together; prints the session's id (its PID).
start_chromium() {
  local url="$1" dir="$2"
  setsid chromium --headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --window-size=1280,900 --user-data-dir="$dir" \
    "$url" >"$dir.log" 2>&1 &
  echo $!
}

# The CPU of the processes of session SID so far, in clock ticks (those that ended count in their
# parent's). Field 6 of /proc/PID/stat is the session; chromium's command names have no spaces.
session_ticks() {
  local sid="$1" sum=0 f
  for f in /proc/[0-9]*/stat; do
    sum=$(( sum + $(awk -v sid="$sid" '$6 == sid { print $14 + $15 + $16 + $17; found = 1 } END { if (!found) print 0 }' "$f" 2>/dev/null || echo 0) ))
  done
  echo "$sum"
}
