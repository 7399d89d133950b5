"""10 000 WebSocket upgrades from one address against an edge.

Expected: at most --max-per-ip of them get 101, every other one gets 503
(not a reset, not a hang), and meanwhile a client from another address
(127.0.0.2) connects, gets its initial state and a pong at once.
Prints the numbers; exit 1 on a violated expectation."""
import asyncio
import json
import resource
import sys
import time

import websockets

import wsraw

port, edge_pid, count, per_ip = (int(a) for a in sys.argv[1:5])
HOST = "127.0.0.1"
ORIGIN = "http://%s:%d" % (HOST, port)

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard < count + 200:
    print("SKIP: RLIMIT_NOFILE hard limit %d < %d" % (hard, count + 200))
    sys.exit(77)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

statuses = {}
held = []


async def one(sem):
    async with sem:
        try:
            r, w = await asyncio.wait_for(
                asyncio.open_connection(HOST, port), 10)
        except Exception as e:  # refused, timed out
            statuses["connect:" + type(e).__name__] = \
                statuses.get("connect:" + type(e).__name__, 0) + 1
            return
        w.write(wsraw.upgrade_request(HOST, port, origin=ORIGIN))
        try:
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 10)
            st = int(head.split(b" ", 2)[1])
        except Exception as e:
            st = "no-answer:" + type(e).__name__
        statuses[st] = statuses.get(st, 0) + 1
        if st == 101:
            held.append(w)
        else:
            w.close()


async def other_client():
    """The well-behaved client from another source address."""
    t0 = time.monotonic()
    async with websockets.connect(
            "ws://%s:%d/ws/flow" % (HOST, port), origin=ORIGIN,
            host=HOST, family=2, local_addr=("127.0.0.2", 0),
            open_timeout=10) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        t1 = time.monotonic()
        await ws.send(json.dumps({"type": "ping"}))
        while True:
            m = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if m.get("type") == "pong":
                break
        t2 = time.monotonic()
    return first.get("type"), (t1 - t0) * 1e3, (t2 - t1) * 1e3


async def main():
    rss0 = wsraw.rss_kib(edge_pid)
    sem = asyncio.Semaphore(1000)
    t0 = time.monotonic()
    await asyncio.gather(*(one(sem) for _ in range(count)))
    t_flood = time.monotonic() - t0
    rss1 = wsraw.rss_kib(edge_pid)
    first, t_state, t_pong = await other_client()
    st, _ = wsraw.http_get(HOST, port, "/healthz")
    n101 = statuses.get(101, 0)
    n503 = statuses.get(503, 0)
    print("flood: %d upgrades from 127.0.0.1 in %.1f s: %s"
          % (count, t_flood, json.dumps({str(k): v for k, v in statuses.items()})))
    print("held open: %d (per-IP limit %d)" % (len(held), per_ip))
    print("edge RSS: %d KiB before, %d KiB with the flood held" % (rss0, rss1))
    print("other client from 127.0.0.2: first message %s after %.1f ms, "
          "pong after %.1f ms; /healthz %d" % (first, t_state, t_pong, st))
    ok = True
    if n101 != per_ip:
        print("FAIL: expected exactly %d upgrades accepted, got %d" % (per_ip, n101))
        ok = False
    if n503 != count - per_ip:
        print("FAIL: expected %d refusals with 503, got %d" % (count - per_ip, n503))
        ok = False
    if first != "initial_execution_state":
        print("FAIL: other client got %r first" % first)
        ok = False
    if t_state > 2000 or t_pong > 1000:
        print("FAIL: edge unresponsive to another address during the flood")
        ok = False
    if st != 200:
        print("FAIL: /healthz %d during the flood" % st)
        ok = False
    for w in held:
        w.close()
    return ok

sys.exit(0 if asyncio.run(main()) else 1)
