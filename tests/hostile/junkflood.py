"""50 000 junk messages/s from one client while another measures latency.

Phase 1 (quiet): client B (127.0.0.2) sends a ping every 20 ms and
measures the pong round trip.  Phase 2: an attacker process (127.0.0.3)
sends junk text frames at RATE msgs/s, reconnecting whenever the edge
closes it; B measures again.  Expected: the attacker is rate limited
(close 1008 "rate limit", after rate_limited errors when it reads
them in time) and B's median round trip under
the flood stays within 2x of quiet (plus 0.25 ms for the Python client's
own scheduling noise).  Prints the numbers; exit 1 on a violation."""
import asyncio
import json
import multiprocessing as mp
import select
import socket
import sys
import time

import websockets

import wsraw

port, edge_pid, rate, secs = (int(a) for a in sys.argv[1:5])
HOST = "127.0.0.1"
ORIGIN = "http://%s:%d" % (HOST, port)


def attacker(q, stop_at):
    junk = [wsraw.frame(b"junk %d {{{" % i) for i in range(500)]
    batch = b"".join(junk)
    per_tick = 500  # frames per batch
    tick = per_tick / float(rate)
    st = {"sent": 0, "conns": 0, "rate_limited": 0, "closes": {},
          "other_err": 0, "refused": 0, "reason": ""}
    nxt = time.monotonic()  # one schedule across reconnects: RATE in total
    while time.monotonic() < stop_at:
        try:
            s, code, rest = wsraw.connect(HOST, port, src="127.0.0.3",
                                          origin=ORIGIN, timeout=5)
        except OSError:
            st["refused"] += 1
            time.sleep(0.05)
            continue
        if code != 101:
            st["refused"] += 1
            s.close()
            time.sleep(0.05)
            continue
        st["conns"] += 1
        s.setblocking(False)
        rd = wsraw.Reader(s, rest)
        alive = True
        while alive and time.monotonic() < stop_at:
            now = time.monotonic()
            if now >= nxt:
                try:
                    s.sendall(batch)
                    st["sent"] += per_tick
                except BlockingIOError:
                    pass
                except OSError:
                    alive = False
                nxt += tick
            r, _, _ = select.select([s], [], [], max(0, nxt - time.monotonic()))
            if r:
                try:
                    d = s.recv(1 << 16)
                except BlockingIOError:
                    continue
                except OSError:
                    break
                if not d:
                    break
                rd.buf += d
                while True:
                    b = rd.buf
                    if len(b) < 2:
                        break
                    n = b[1] & 0x7F
                    off = 2 if n < 126 else (4 if n == 126 else 10)
                    if len(b) < off:
                        break
                    if n == 126:
                        n = int.from_bytes(b[2:4], "big")
                    elif n == 127:
                        n = int.from_bytes(b[2:10], "big")
                    if len(b) < off + n:
                        break
                    op, p = b[0] & 0xF, bytes(b[off:off + n])
                    del b[:off + n]
                    if op == 8:
                        c = int.from_bytes(p[:2], "big") if len(p) >= 2 else 0
                        st["closes"][c] = st["closes"].get(c, 0) + 1
                        st["reason"] = p[2:].decode("utf-8", "replace")
                        alive = False
                    elif op == 1:
                        try:
                            m = json.loads(p)
                        except ValueError:
                            continue
                        if m.get("type") == "error":
                            if m.get("error", {}).get("code") == "rate_limited":
                                st["rate_limited"] += 1
                            else:
                                st["other_err"] += 1
        s.close()
    q.put(st)


async def measure(secs_):
    rtts = []
    async with websockets.connect("ws://%s:%d/ws/flow" % (HOST, port),
                                  origin=ORIGIN, local_addr=("127.0.0.2", 0),
                                  open_timeout=10, max_size=None) as ws:
        await asyncio.wait_for(ws.recv(), 5)
        end = time.monotonic() + secs_
        while time.monotonic() < end:
            t = time.perf_counter()
            await ws.send('{"type":"ping"}')
            while True:
                m = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if m.get("type") == "pong":
                    break
            rtts.append((time.perf_counter() - t) * 1e3)
            await asyncio.sleep(0.02)
    return rtts


def main():
    quiet = asyncio.run(measure(secs))
    q = mp.Queue()
    stop_at = time.monotonic() + secs + 1.0
    a = mp.Process(target=attacker, args=(q, stop_at))
    a.start()
    time.sleep(0.5)
    rss0 = wsraw.rss_kib(edge_pid)
    flood = asyncio.run(measure(secs))
    st = q.get(timeout=secs + 30)
    a.join()
    rss1 = wsraw.rss_kib(edge_pid)
    p50q, p90q = wsraw.percentile(quiet, 50), wsraw.percentile(quiet, 90)
    p50f, p90f = wsraw.percentile(flood, 50), wsraw.percentile(flood, 90)
    print("quiet: %d pings, rtt p50 %.3f ms p90 %.3f ms" % (len(quiet), p50q, p90q))
    print("flood: %d pings, rtt p50 %.3f ms p90 %.3f ms" % (len(flood), p50f, p90f))
    print("attacker: %d junk msgs offered at %d/s over %d connections; "
          "%d rate_limited errors, %d other errors, closes %s, %d refused "
          "upgrades; edge RSS %d -> %d KiB"
          % (st["sent"], rate, st["conns"], st["rate_limited"],
             st["other_err"], st["closes"], st["refused"], rss0, rss1))
    ok = True
    print("close reason: %r" % st["reason"])
    # The edge answers rate_limited while it tolerates, then closes 1008;
    # a flood this fast is closed in the same read, and the queued error
    # replies go with the connection, so the close (with its reason) is
    # what a flooder reliably sees.
    if st["closes"].get(1008, 0) == 0 or (
            st["rate_limited"] == 0 and "rate" not in st["reason"]):
        print("FAIL: the flood was not rate limited (close 1008)")
        ok = False
    # The last connection may still be open when the attack stops.
    if st["closes"].get(1008, 0) < st["conns"] - 1:
        print("FAIL: a flooding connection ended without close 1008")
        ok = False
    if p50f > 2 * p50q + 0.25:
        print("FAIL: other client's median latency %.3f ms > 2x quiet %.3f ms"
              % (p50f, p50q))
        ok = False
    return ok

sys.exit(0 if main() else 1)
