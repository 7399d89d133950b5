"""Idle connections and the edge's small receive pieces.

Usage: edge_idle.py PORT EDGE_PID MAX_FRAME

1. Messages in pieces: lws hands client messages to the edge in pieces
   of 512 bytes, and the edge handles a whole one in place and
   reassembles the rest.  Pings padded to sizes around the piece size and
   far above it, sent as one frame, as continuation fragments, and
   trickled over TCP in parts, must each get their pong.
2. A frame over the limit whose first bytes come in more than one piece
   must still be answered with a real 1009 close frame (not a reset), ten
   times in a row.
3. Memory: 1000 subscribed idle clients.  Each must get its state and its
   logs_subscribed; the edge's RSS may grow by less than 16 KiB per client
   (a leak guard, far above the ~2 KiB they cost; doc/performance.md).
4. Accept pacing: 8300 TCP connections (from ten addresses, under the
   per-address limit) that never send their request hold the edge's
   handshake limit (8192); once most of them are gone the
   edge accepts again, /metrics counts the pause, and WebSocket clients
   connect normally.
Exit 1 on a violated expectation."""
import asyncio
import base64
import json
import os
import resource
import select
import socket
import struct
import sys
import time

port, edge_pid, max_frame = (int(a) for a in sys.argv[1:4])
HOST = "127.0.0.1"
ORIGIN = "http://%s:%d" % (HOST, port)
ok = True


def check(cond, what):
    global ok
    print("%s: %s" % ("ok" if cond else "FAIL", what))
    ok = ok and bool(cond)


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def upgrade_request():
    key = base64.b64encode(os.urandom(16)).decode()
    return ("GET /ws/flow HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\nOrigin: %s\r\n\r\n"
            % (HOST, port, key, ORIGIN)).encode()


def frame(payload, opcode=1, fin=True, announce=None):
    """A masked client frame; ANNOUNCE overrides the length in the header."""
    n = len(payload) if announce is None else announce
    h = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        h += bytes([0x80 | n])
    elif n < 65536:
        h += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        h += bytes([0x80 | 127]) + struct.pack(">Q", n)
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return h + mask + body


class Conn:
    """A blocking client speaking the protocol by hand."""

    def __init__(self, timeout=10):
        self.s = socket.create_connection((HOST, port), timeout=timeout)
        self.s.sendall(upgrade_request())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                raise RuntimeError("closed during the upgrade")
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError("upgrade refused: %r" % head[:40])

    def _need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d

    def next(self):
        """(opcode, payload) of the next server frame."""
        self._need(2)
        op, n = self.buf[0] & 0x0F, self.buf[1] & 0x7F
        off = 2
        if n == 126:
            self._need(4)
            n = struct.unpack(">H", self.buf[2:4])[0]
            off = 4
        elif n == 127:
            self._need(10)
            n = struct.unpack(">Q", self.buf[2:10])[0]
            off = 10
        self._need(off + n)
        p = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return op, p

    def next_json(self):
        while True:
            op, p = self.next()
            if op == 1:
                return json.loads(p)
            if op == 8:
                raise RuntimeError("closed: %r" % p[:40])

    def close(self):
        self.s.close()


def ping_of(size):
    """A ping command of exactly SIZE bytes."""
    base = json.dumps({"type": "ping", "pad": ""})
    msg = json.dumps({"type": "ping", "pad": "x" * (size - len(base))})
    assert len(msg) == size
    return msg.encode()


# ---- 1. messages in pieces ------------------------------------------------
c = Conn()
c.next_json()  # initial_execution_state
for size in (100, 511, 512, 513, 528, 1500, 5000, max_frame):
    c.s.sendall(frame(ping_of(size)))
    check(c.next_json().get("type") == "pong", "ping of %d bytes in one frame" % size)
msg = ping_of(1300)
parts = [msg[i:i + 300] for i in range(0, len(msg), 300)]
data = frame(parts[0], opcode=1, fin=False)
for p in parts[1:-1]:
    data += frame(p, opcode=0, fin=False)
data += frame(parts[-1], opcode=0, fin=True)
c.s.sendall(data)
check(c.next_json().get("type") == "pong", "ping of 1300 bytes in %d fragments" % len(parts))
data = frame(ping_of(3000))
for i in range(0, len(data), 700):
    c.s.sendall(data[i:i + 700])
    time.sleep(0.02)
check(c.next_json().get("type") == "pong", "ping of 3000 bytes trickled in 700-byte writes")
# A whole small message right behind a large one in the same write.
c.s.sendall(frame(ping_of(2000)) + frame(ping_of(60)))
check(c.next_json().get("type") == "pong" and c.next_json().get("type") == "pong",
      "a 2000-byte and a 60-byte ping in one write")
c.close()

# ---- 2. 1009 with the first bytes in several pieces -------------------------
got = []
for i in range(10):
    c = Conn()
    c.next_json()
    c.s.sendall(frame(b"{" * 2000, announce=max_frame + 1000))
    try:
        while True:
            op, p = c.next()
            if op == 8:
                got.append(struct.unpack(">H", p[:2])[0] if len(p) >= 2 else None)
                break
    except (EOFError, ConnectionResetError) as e:
        got.append(type(e).__name__)
    c.close()
check(got == [1009] * 10, "oversized frames answered with close 1009: %s" % got)

# ---- 3. idle subscribed clients ------------------------------------------------
N = 1000


async def idle_client(i, ready, release):
    r, w = await asyncio.open_connection(HOST, port)
    w.write(upgrade_request())
    head = await r.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError("upgrade refused")
    w.write(frame(json.dumps({"type": "subscribe_logs", "filters": {}}).encode()))
    seen = set()
    while not {"initial_execution_state", "logs_subscribed"} <= seen:
        h = await r.readexactly(2)
        n = h[1] & 0x7F
        if n == 126:
            n = struct.unpack(">H", await r.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", await r.readexactly(8))[0]
        p = await r.readexactly(n)
        if h[0] & 0x0F == 1:
            seen.add(json.loads(p).get("type"))
    ready.append(i)
    await release.wait()
    w.close()


async def part4():
    ready = []
    release = asyncio.Event()
    before = rss_kib(edge_pid)
    tasks = []
    for i in range(N):
        tasks.append(asyncio.create_task(idle_client(i, ready, release)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    t = time.monotonic()
    while len(ready) < N and time.monotonic() - t < 60:
        if any(x.done() and x.exception() for x in tasks):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)  # past the edge's once-a-second sweep
    after = rss_kib(edge_pid)
    release.set()
    errs = [x.exception() for x in tasks if x.done() and x.exception()]
    await asyncio.gather(*tasks, return_exceptions=True)
    return len(ready), before, after, errs


n_ready, before, after, errs = asyncio.run(part4())
check(n_ready == N, "%d of %d idle clients got their state and logs_subscribed%s"
      % (n_ready, N, (" (first error: %r)" % errs[0]) if errs else ""))
per = (after - before) * 1024 / max(n_ready, 1)
print("edge RSS %d -> %d KiB: %.0f bytes per idle client" % (before, after, per))
check(per < 16384, "under 16 KiB per idle client")
# ---- 4. accept pacing ---------------------------------------------------------
def edge_nofile(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return 0


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard < 9500 or edge_nofile(edge_pid) < 9500:
    print("SKIP part 4: open-file limits %d (here), %d (edge) below 9500"
          % (hard, edge_nofile(edge_pid)))
else:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    silent = []
    for i in range(8300):
        s = socket.socket()
        # from ten addresses: each may hold 1024 handshakes by default
        s.bind(("127.0.0.%d" % (11 + i % 10), 0))
        s.setblocking(False)
        s.connect_ex((HOST, port))
        silent.append(s)
    # Until the kernel has completed every connect (some SYNs may need a
    # retry when the backlog overflows; lws drops silent sockets 20 s
    # after it accepted them, so 12 s at most): the edge then holds its
    # limit and the rest sit in the kernel's backlog.
    poller = select.poll()
    for s in silent:
        poller.register(s, select.POLLOUT)
    done = 0
    t = time.monotonic()
    while done < len(silent) and time.monotonic() - t < 12:
        for fd, ev in poller.poll(200):
            poller.unregister(fd)
            done += 1
    time.sleep(0.5)
    print("%d silent sockets connected in %.1f s" % (done, time.monotonic() - t))
    for s in silent[:7300]:
        s.close()
    del silent[:7300]
    t = time.monotonic()
    metrics = None
    while time.monotonic() - t < 10:
        try:
            m = socket.create_connection((HOST, port), timeout=5)
            m.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                d = m.recv(65536)
                if not d:
                    break
                data += d
            m.close()
            metrics = data.decode(errors="replace")
            break
        except OSError:
            time.sleep(0.2)
    vals = {}
    for line in (metrics or "").splitlines():
        if line.startswith("flowhub_edge_") and " " in line:
            k, v = line.split(" ", 1)
            vals[k] = v
    pauses = int(vals.get("flowhub_edge_accept_pauses_total", "0"))
    hs = int(vals.get("flowhub_edge_handshakes", "-1"))
    check(pauses >= 1, "accepting paused at the handshake limit (%d pauses)" % pauses)
    check(0 < hs <= 4096, "accepting again with %d connections in their handshake" % hs)
    for s in silent:
        s.close()
    time.sleep(0.5)
    c = Conn()
    check(c.next_json().get("type") == "initial_execution_state",
          "a client connects once the silent sockets are gone")
    c.close()

sys.exit(0 if ok else 1)
