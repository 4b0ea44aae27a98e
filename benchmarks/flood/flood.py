"""Opens COUNT TCP connections to 127.0.0.1:PORT from source addresses PREFIX.x.y and holds them.

usage: flood.py PORT COUNT PREFIX SECONDS
"""
import resource
import socket
import sys
import time

port, count, prefix, hold = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sockets = []
started = time.time()
for i in range(count):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.bind((f"{prefix}.{(i // 250) % 250 + 1}.{i % 250 + 1}", 0))
        s.connect_ex(("127.0.0.1", port))
    except OSError as e:
        print(f"stopped at {i}: {e}", flush=True)
        break
    sockets.append(s)
print(f"{prefix}: opened {len(sockets)} connections in {time.time() - started:.1f} s", flush=True)
time.sleep(hold)
for s in sockets:
    s.close()
