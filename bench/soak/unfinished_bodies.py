"""Memory held by request bodies that never finish (RELIABILITY.md, "Load").

Starts an app binary (the release mirror by default), opens CONNECTIONS
connections that each announce a body of --max-body bytes and send all of
it but the last byte, as fast as the server takes it, then reports the
server's peak resident memory, how many bodies it holds and how many it
refused with 503. Bounded: at most SECONDS of sending, loopback only.

    python3 bench/soak/unfinished_bodies.py [BINARY] [--connections N]
            [--seconds S] [-- extra server flags, e.g. --max-body-memory N]
"""
import argparse
import os
import re
import resource
import selectors
import socket
import subprocess
import sys
import time

MAX_BODY = 6 * 1024 * 1024


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1))


def start(binary, extra):
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--workers", "2", "--quiet", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = ""
    for _ in range(20):  # start-up warnings may come first
        line = proc.stdout.readline().decode()
        output += line
        m = re.search(r"listening on http://([0-9.]+):(\d+)", line)
        if m:
            return proc, (m.group(1), int(m.group(2)))
        if not line:
            break
    proc.kill()
    sys.exit(f"the server did not start: {output}")


def flood(addr, connections, seconds):
    """Each connection: the head, then MAX_BODY - 1 body bytes. Returns
    (held, refused, bytes sent, the selector holding the open sockets)."""
    head = (f"POST /anything HTTP/1.1\r\nHost: b\r\nContent-Length: {MAX_BODY}\r\n\r\n").encode()
    chunk = b"x" * 65536
    sel = selectors.DefaultSelector()
    left = {}
    for _ in range(connections):
        s = socket.create_connection(addr)
        s.sendall(head)
        s.setblocking(False)
        left[s] = MAX_BODY - 1
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    refused = sent = 0
    deadline = time.monotonic() + seconds
    # Until every body is either refused or sent but for its last byte
    # (then held: the server's body timeout would cut it later).
    while any(left.values()) and time.monotonic() < deadline:
        for key, events in sel.select(timeout=0.5):
            s = key.fileobj
            if events & selectors.EVENT_READ:  # an answer before the body ends: a refusal
                try:
                    refused += s.recv(65536).startswith(b"HTTP/1.1 503 ")
                except OSError:
                    pass
                sel.unregister(s)
                del left[s]
                continue
            try:
                n = s.send(chunk[:min(len(chunk), left[s])])
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                sel.unregister(s)
                del left[s]
                continue
            sent += n
            left[s] -= n
            if left[s] == 0:  # all but the last byte: only wait for a refusal now
                sel.modify(s, selectors.EVENT_READ)
    held = sum(1 for s, n in left.items() if n == 0)
    return held, refused, sent, sel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary", nargs="?", default="build/bin/mirror")
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0)
    args, extra = ap.parse_known_args()
    extra = [a for a in extra if a != "--"]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.connections + 256)), hard))

    proc, addr = start(args.binary, extra)
    try:
        idle = rss_kb(proc.pid, "VmRSS")
        started = time.monotonic()
        held, refused, sent, sel = flood(addr, args.connections, args.seconds)
        elapsed = time.monotonic() - started
        time.sleep(0.5)
        peak, now = rss_kb(proc.pid, "VmHWM"), rss_kb(proc.pid, "VmRSS")
        for key in list(sel.get_map().values()):
            key.fileobj.close()
        time.sleep(1.0)
        after = rss_kb(proc.pid, "VmRSS")
        print(f"connections {args.connections}, each announcing {MAX_BODY} bytes; server flags {' '.join(extra) or '(defaults)'}")
        print(f"sent {sent / 1e6:.0f} MB in {elapsed:.1f} s; bodies held unfinished {held}, refused with 503 {refused}")
        print(f"server RSS: idle {idle} kB, peak {peak} kB, holding {now} kB, after the clients left {after} kB")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
