"""A client that subscribes to every log and never reads.

H (hostile) upgrades with a tiny receive buffer, subscribes to all logs
and never reads; C (good) subscribes too and reads everything.  N logs of
SIZE bytes are fed through flowhub-emit at RATE logs/s.  Expected: the edge closes H
with 1013 once its queue passes the limit (H, draining at the end, sees
bounded data then the close frame), C receives every log, and the edge's
RSS stays under baseline + BOUND MiB throughout.  Prints the numbers;
exit 1 on a violation."""
import asyncio
import json
import socket
import sys
import threading
import time

import websockets

import wsraw

port, edge_pid, nlogs, size, bound_mib, rate = (int(a) for a in sys.argv[1:7])
emit, ring = sys.argv[7:9]
HOST = "127.0.0.1"
ORIGIN = "http://%s:%d" % (HOST, port)

# H: raw socket with a small receive window, subscribed, never read.
h, st, hrest = wsraw.connect(HOST, port, origin=ORIGIN, rcvbuf=4096)
if st != 101:
    sys.exit("FAIL: H upgrade got %r" % st)
h.sendall(wsraw.frame(json.dumps({"type": "subscribe_logs", "filters": {}}).encode()))

rss = [wsraw.rss_kib(edge_pid)]
stop = threading.Event()


def sampler():
    while not stop.is_set():
        try:
            rss.append(wsraw.rss_kib(edge_pid))
        except OSError:
            return
        time.sleep(0.05)


async def feed(rate):
    """flowhub-emit fed NLOGS log lines at RATE lines/s through its stdin,
    so a client that reads keeps up while one that never reads cannot."""
    p = await asyncio.create_subprocess_exec(
        emit, "--ring", ring, "-", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    batch = max(1, rate // 50)
    t0 = time.monotonic()
    for i in range(0, nlogs, batch):
        lines = "".join(json.dumps({"event": "log", "level": "info", "tag": "flood",
                                    "message": "%06d " % j + "m" * size}) + "\n"
                        for j in range(i, min(nlogs, i + batch)))
        p.stdin.write(lines.encode())
        await p.stdin.drain()
        delay = t0 + (i + batch) / float(rate) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    p.stdin.close()
    err = await p.stderr.read()
    if await p.wait() != 0:
        print("emit failed: %s" % err.decode()[-500:])


async def good(rate):
    got = 0
    async with websockets.connect("ws://%s:%d/ws/flow" % (HOST, port),
                                  origin=ORIGIN, open_timeout=10,
                                  max_size=None) as ws:
        await ws.send(json.dumps({"type": "subscribe_logs", "filters": {}}))
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if m.get("type") == "logs_subscribed":
                break
        await asyncio.sleep(0.3)  # let H's subscription land too
        t0 = time.monotonic()
        feeder = asyncio.create_task(feed(rate))
        try:
            while got < nlogs:
                m = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if m.get("type") == "log_entry":
                    got += 1
        except asyncio.TimeoutError:
            pass
        await feeder
        return got, time.monotonic() - t0


threading.Thread(target=sampler, daemon=True).start()
got, dt = asyncio.run(good(rate))
time.sleep(0.5)
stop.set()

# Now drain H: bounded data, then the close frame.
rd = wsraw.Reader(h)
nbytes = 0
code = None
frames = 0
try:
    while True:
        op, p = rd.next(5)
        nbytes += len(p)
        if op == 8:
            code = int.from_bytes(p[:2], "big") if len(p) >= 2 else None
            break
        frames += 1
except (EOFError, ConnectionResetError, socket.timeout) as e:
    print("H: stream ended without a close frame (%s)" % type(e).__name__)

total = nlogs * (size + 100)
base, peak = rss[0], max(rss)
print("good client: %d/%d logs in %.2f s" % (got, nlogs, dt))
print("never-reading client: close %s after %d frames, %d bytes "
      "(of ~%d offered)" % (code, frames, nbytes, total))
print("edge RSS: baseline %d KiB, peak %d KiB (+%d KiB; bound +%d MiB)"
      % (base, peak, peak - base, bound_mib))
ok = True
if code != 1013:
    print("FAIL: expected close 1013 for the never-reading client")
    ok = False
if nbytes >= total:
    print("FAIL: the never-reading client was sent everything")
    ok = False
if got != nlogs:
    print("FAIL: the good client missed logs")
    ok = False
if peak - base > bound_mib * 1024:
    print("FAIL: edge RSS over the bound")
    ok = False
sys.exit(0 if ok else 1)
