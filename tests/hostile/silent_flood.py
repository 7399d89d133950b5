"""Silent sockets from one address (see silent_flood.sh).

Usage: silent_flood.py PORT LIMIT COUNT

1. COUNT TCP connections from 127.0.0.1 that never send a byte: the edge
   keeps LIMIT of them in their handshake and closes every other one at
   accept (the client sees end of file at once, not a 20 s wait), and
   /metrics counts those closes.
2. Meanwhile 127.0.0.2 gets an upgrade and its initial state at once,
   and a new upgrade from 127.0.0.1 is closed unanswered.
3. The silent sockets close; then 3 x LIMIT each of upgrades, refused
   upgrades (wrong path) and kept-alive HTTP requests from 127.0.0.1, each
   connection held open after its answer, all get their answer: every
   way a handshake ends gives its count back.
Exit 1 on a violated expectation."""
import select
import socket
import sys
import time

import wsraw

port, limit, count = (int(a) for a in sys.argv[1:4])
HOST = "127.0.0.1"
ok = True


def check(cond, what):
    global ok
    print(("ok: " if cond else "FAIL: ") + what)
    ok = ok and cond


def silent(src):
    s = socket.socket()
    s.bind((src, 0))
    s.setblocking(False)
    s.connect_ex((HOST, port))
    return s


def closed_by_peer(s, timeout):
    """Does the edge close S (end of file or reset) within TIMEOUT s?"""
    r, _, _ = select.select([s], [], [], timeout)
    if not r:
        return False
    try:
        return s.recv(1) == b""
    except OSError:
        return True


# 1. the flood
socks = [silent("127.0.0.1") for _ in range(count)]
time.sleep(0.5)
t = time.monotonic()
open_left = [s for s in socks if not closed_by_peer(s, 0.02)]
closed = count - len(open_left)
print("%d of %d silent sockets closed by the edge, %d held, in %.1f s"
      % (closed, count, len(open_left), time.monotonic() - t))
check(len(open_left) == limit,
      "the edge holds exactly %d silent sockets from one address (%d)"
      % (limit, len(open_left)))
m = wsraw.metrics(HOST, port, src="127.0.0.3")
refused = m.get("flowhub_edge_handshakes_refused_total", -1)
check(refused >= count - limit,
      "/metrics counts %d refused at accept (>= %d)" % (refused, count - limit))

# 2. other addresses are served, the capped one is not
t = time.monotonic()
s, st, rest = wsraw.connect(HOST, port, src="127.0.0.2", origin="http://%s:%d" % (HOST, port))
check(st == 101, "127.0.0.2 upgrades while 127.0.0.1 is capped (%s)" % st)
s.settimeout(5)
first = rest or s.recv(65536)
s.close()
check(len(first) > 2 and first[0] == 0x81 and b"initial_execution_state" in first,
      "127.0.0.2 gets its initial state")
print("127.0.0.2 upgraded and got its state in %.0f ms"
      % ((time.monotonic() - t) * 1e3))
x = silent("127.0.0.1")
check(closed_by_peer(x, 2.0), "a new connection from 127.0.0.1 is closed at once")
x.close()

# 3. every way a handshake ends gives the count back: the connections
# stay open afterwards, so only the end of the handshake can have
# released them
for s in open_left:
    s.close()
time.sleep(0.5)
origin = "http://%s:%d" % (HOST, port)
held = []


def keepalive_get(path):
    """GET PATH on a kept-alive connection from 127.0.0.1; the status."""
    s = socket.create_connection((HOST, port), timeout=5,
                                 source_address=("127.0.0.1", 0))
    held.append(s)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n"
               % (path, HOST, port)).encode())
    st, _, _ = wsraw.read_http_head(s)
    return st


for what, path in (("upgrades", None), ("refused upgrades", "/nowhere"),
                   ("HTTP requests", "/healthz")):
    bad = 0
    for i in range(3 * limit):
        try:
            if path == "/healthz":
                good = keepalive_get(path) == 200
            else:
                s, st, _ = wsraw.connect(HOST, port, src="127.0.0.1",
                                         origin=origin, timeout=5,
                                         path=path or "/ws/flow")
                held.append(s)
                good = st == 101 if path is None else st not in (None, 101)
        except OSError:
            good = False
        bad += not good
    check(bad == 0, "%d %s from 127.0.0.1, each held open after (%d failed)"
          % (3 * limit, what, bad))
for s in held:
    s.close()
sys.exit(0 if ok else 1)
