"""A well-behaved client: sends one message with smtplib, retrying until served; prints how long it took.

usage: probe.py PORT
"""
import smtplib
import sys
import time

port = int(sys.argv[1])
started = time.time()
while True:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.sendmail("a@example.com", ["b@example.org"], "Subject: probe\r\n\r\nhi\r\n")
        print(f"served after {time.time() - started:.2f} s", flush=True)
        break
    except (OSError, smtplib.SMTPException) as e:
        if time.time() - started > 60:
            print(f"not served within 60 s: {e}", flush=True)
            sys.exit(1)
        time.sleep(0.2)
