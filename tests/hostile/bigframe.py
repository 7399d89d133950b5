"""Oversized frames against an edge whose frame limit is 64 KiB.

For frames announcing 64 KiB + 1, 1 MiB and 100 MiB (only the header and
a few KiB are actually sent for the big ones), and for a message of
fragments that together pass the limit, the edge must answer with a close
frame 1009 at once, and allocate nothing for the announced size: its
VmRSS and VmSize may not grow by anything like it.  A frame of exactly
the limit is the control: it is accepted and answered.  Prints the
numbers; exit 1 on a violated expectation."""
import json
import socket
import sys
import time

import wsraw

port, edge_pid, limit = (int(a) for a in sys.argv[1:4])
HOST = "127.0.0.1"
ORIGIN = "http://%s:%d" % (HOST, port)
ok = True


def vm(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmSize", "VmHWM"):
                out[k] = int(v.split()[0])
    return out


def opened():
    s, st, rest = wsraw.connect(HOST, port, origin=ORIGIN)
    if st != 101:
        raise SystemExit("FAIL: upgrade got %r" % st)
    rd = wsraw.Reader(s, rest)
    op, p = rd.next(5)  # initial_execution_state
    return s, rd


def close_code(s, rd, timeout=5):
    t = time.monotonic()
    code, reason, _ = rd.until_close(timeout)
    return code, (time.monotonic() - t) * 1e3


def check(name, code, ms, want=1009, bound_ms=1000):
    global ok
    good = code == want and ms <= bound_ms
    print("%-28s -> close %s after %.1f ms %s" % (name, code, ms, "" if good else "FAIL"))
    ok = ok and good


base = vm(edge_pid)
print("edge before: %s" % base)

# Control: a text frame of exactly the limit is a normal message.
pad = limit - len(json.dumps({"type": "ping", "pad": ""}))
msg = json.dumps({"type": "ping", "pad": "x" * pad}).encode()
assert len(msg) == limit
s, rd = opened()
s.sendall(wsraw.frame(msg))
op, p = rd.next(5)
t = json.loads(p).get("type")
print("%-28s -> %s" % ("frame of exactly %d" % limit, t))
if t != "pong":
    print("FAIL: the control frame was not answered with pong")
    ok = False
s.close()

# Over the limit by one byte, fully sent.
s, rd = opened()
s.sendall(wsraw.frame(b"x" * (limit + 1)))
check("frame of limit+1 (sent)", *close_code(s, rd))
s.close()

# Big announced lengths, mostly not sent: the edge must not wait for them.
for announce in (1 << 20, 100 << 20):
    s, rd = opened()
    s.sendall(wsraw.frame(b"{" * 4096, announce=announce))
    check("frame announcing %d" % announce, *close_code(s, rd))
    s.close()

# Fragments: 8 x 9 KiB continuation frames = 72 KiB > 64 KiB.
s, rd = opened()
chunk = b"x" * (9 << 10)
data = wsraw.frame(chunk, opcode=1, fin=False)
for i in range(6):
    data += wsraw.frame(chunk, opcode=0, fin=False)
data += wsraw.frame(chunk, opcode=0, fin=True)
try:
    s.sendall(data)
except OSError:
    pass
check("fragments totalling 72 KiB", *close_code(s, rd))
s.close()

# Many clients announcing 100 MiB at once: memory still flat.
socks = []
for i in range(20):
    s, rd = opened()
    s.sendall(wsraw.frame(b"{" * 1024, announce=100 << 20))
    socks.append((s, rd))
codes = [rd.until_close(5)[0] for s, rd in socks]
for s, rd in socks:
    s.close()
n1009 = sum(1 for c in codes if c == 1009)
print("20 clients announcing 100 MiB: %d closed with 1009" % n1009)
ok = ok and n1009 == 20

time.sleep(0.2)
after = vm(edge_pid)
print("edge after: %s" % after)
drss = after["VmRSS"] - base["VmRSS"]
dsize = after["VmSize"] - base["VmSize"]
print("growth: VmRSS %+d KiB, VmSize %+d KiB (bounds: 8192 KiB, 65536 KiB)" % (drss, dsize))
if drss > 8192 or dsize > 65536 or after["VmHWM"] - base["VmHWM"] > 16384:
    print("FAIL: the edge allocated for announced sizes")
    ok = False
sys.exit(0 if ok else 1)
