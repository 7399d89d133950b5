"""Slowloris and idle sockets against an edge.

Three kinds of hostile sockets, N of each, all from 127.0.0.1:
  slow    an upgrade request trickled one byte per second, never finished
  idle    a TCP connection that never sends a byte
  silent  a completed WebSocket that never reads and never answers pings
Expected: the edge drops every one of them within its bound (seconds,
argument), and serves a normal client all along.  Prints when each kind
was dropped; exit 1 on a violated expectation."""
import asyncio
import json
import sys
import time

import websockets

import wsraw

port, edge_pid, n, bound_hdr, bound_silent = (int(a) for a in sys.argv[1:6])
HOST = "127.0.0.1"
ORIGIN = "http://%s:%d" % (HOST, port)
t_start = time.monotonic()


async def slow():
    r, w = await asyncio.open_connection(HOST, port)
    req = wsraw.upgrade_request(HOST, port, origin=ORIGIN)[:-2]
    req += b"X-Slow: " + b"a" * 1000
    for i in range(len(req)):
        try:
            w.write(req[i:i + 1])
            await w.drain()
            d = await asyncio.wait_for(r.read(4096), 1.0)
            if not d:
                break
        except asyncio.TimeoutError:
            continue
        except (ConnectionError, OSError):
            break
        if time.monotonic() - t_start > bound_hdr + 10:
            return None
    w.close()
    return time.monotonic() - t_start


async def idle():
    r, w = await asyncio.open_connection(HOST, port)
    try:
        while True:
            d = await asyncio.wait_for(r.read(4096), bound_hdr + 10)
            if not d:
                break
    except asyncio.TimeoutError:
        return None
    except (ConnectionError, OSError):
        pass
    w.close()
    return time.monotonic() - t_start


async def silent():
    r, w = await asyncio.open_connection(HOST, port)
    w.write(wsraw.upgrade_request(HOST, port, origin=ORIGIN))
    await w.drain()
    try:
        while True:
            d = await asyncio.wait_for(r.read(4096), bound_silent + 10)
            if not d:
                break
    except asyncio.TimeoutError:
        return None
    except (ConnectionError, OSError):
        pass
    w.close()
    return time.monotonic() - t_start


async def normal(stop):
    """A well-behaved client pinging every 0.5 s; returns worst RTT (ms)."""
    worst = 0.0
    fails = 0
    while not stop.is_set():
        try:
            async with websockets.connect("ws://%s:%d/ws/flow" % (HOST, port),
                                          origin=ORIGIN, open_timeout=5) as ws:
                await asyncio.wait_for(ws.recv(), 5)
                t = time.monotonic()
                await ws.send(json.dumps({"type": "ping"}))
                while json.loads(await asyncio.wait_for(ws.recv(), 5)).get("type") != "pong":
                    pass
                worst = max(worst, (time.monotonic() - t) * 1e3)
        except Exception as e:
            fails += 1
            print("normal client failed: %r" % e)
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except asyncio.TimeoutError:
            pass
    return worst, fails


def summary(name, ts, bound):
    dropped = [t for t in ts if t is not None]
    worst = max(dropped) if dropped else float("nan")
    print("%-6s %d sockets: %d dropped by the edge, first after %.1f s, "
          "last after %.1f s (bound %d s)"
          % (name, len(ts), len(dropped), min(dropped) if dropped else float("nan"),
             worst, bound))
    return len(dropped) == len(ts) and worst <= bound


async def main():
    stop = asyncio.Event()
    nt = asyncio.create_task(normal(stop))
    rss0 = wsraw.rss_kib(edge_pid)
    res = await asyncio.gather(
        asyncio.gather(*(slow() for _ in range(n))),
        asyncio.gather(*(idle() for _ in range(n))),
        asyncio.gather(*(silent() for _ in range(n))))
    stop.set()
    worst, fails = await nt
    ok = summary("slow", res[0], bound_hdr)
    ok = summary("idle", res[1], bound_hdr) and ok
    ok = summary("silent", res[2], bound_silent) and ok
    print("normal client: worst ping %.1f ms, %d failures; edge RSS %d -> %d KiB"
          % (worst, fails, rss0, wsraw.rss_kib(edge_pid)))
    if fails:
        ok = False
    return ok

sys.exit(0 if asyncio.run(main()) else 1)
