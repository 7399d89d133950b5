"""A short, busy but well-behaved client session against an edge, used by
the sanitizer and valgrind runs (tsan.sh, tests/hostile/valgrind.sh).

  session.py PORT SECONDS

Several clients at once, for SECONDS: each connects, identifies,
subscribes to logs (with and without filters), pings, asks for the
state, resumes, reads what arrives, unsubscribes and leaves; one more
asks over HTTP.  Exit 0 when every client saw the answers it asked for."""
import asyncio
import json
import sys
import time

import websockets

import wsraw

port, secs = int(sys.argv[1]), float(sys.argv[2])
HOST = "127.0.0.1"
URL = "ws://%s:%d/ws/flow" % (HOST, port)
ORIGIN = "http://%s:%d" % (HOST, port)
stats = {"sessions": 0, "messages": 0, "errors": 0}


async def expect(ws, typ, timeout=10):
    end = time.monotonic() + timeout
    while True:
        m = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, end - time.monotonic())))
        stats["messages"] += 1
        if m.get("type") == typ:
            return m


async def client(i, end):
    while time.monotonic() < end:
        async with websockets.connect(URL, origin=ORIGIN, open_timeout=20,
                                      max_size=None) as ws:
            st = await expect(ws, "initial_execution_state")
            await ws.send(json.dumps({"type": "identify_client",
                                      "clientInfo": {"name": "s%d" % i, "page": "p"}}))
            await expect(ws, "client_identified")
            filt = {} if i % 2 else {"level": ["warn", "error"]}
            await ws.send(json.dumps({"type": "subscribe_logs", "filters": filt}))
            await expect(ws, "logs_subscribed")
            await ws.send('{"type":"ping"}')
            await expect(ws, "pong")
            await ws.send('{"type":"request_initial_state"}')
            await expect(ws, "initial_execution_state")
            await ws.send(json.dumps({"type": "resume", "since": max(0, st.get("data", {}).get("seq", 0) - 5)}))
            await ws.send('not json')
            await expect(ws, "error")
            t = time.monotonic() + 0.5
            while time.monotonic() < t:
                try:
                    await asyncio.wait_for(ws.recv(), 0.1)
                    stats["messages"] += 1
                except asyncio.TimeoutError:
                    pass
            await ws.send('{"type":"unsubscribe_logs"}')
            await expect(ws, "logs_unsubscribed")
        stats["sessions"] += 1


async def main():
    end = time.monotonic() + secs
    await asyncio.gather(*(client(i, end) for i in range(4)))
    st, body = wsraw.http_get(HOST, port, "/api/v1/execution-sessions/current-execution")
    ok = st == 200 and json.loads(body).get("success") is True
    print("session: %d client sessions, %d messages, REST %d" %
          (stats["sessions"], stats["messages"], st))
    return ok

sys.exit(0 if asyncio.run(main()) else 1)
