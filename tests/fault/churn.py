#!/usr/bin/python3
"""Load for the slow-client fault test: one WebSocket client that
subscribes to every log and then stops reading (its socket buffers fill,
the edge's queue for it grows), plus N clients that connect, take the
initial state and disconnect, in a loop, until --duration is over.
Prints one JSON line: connects, failures by kind, close code the edge gave
the stalled client (1013 expected once its queue passes the limit)."""
import argparse
import asyncio
import json
import socket
import sys
import time

import websockets


async def stalled(url, res, until):
    # A small receive buffer, so that the kernel does not soak up what the
    # edge sends for many seconds before the edge's own queue grows.
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    try:
        async with websockets.connect(url, sock=sock, ping_interval=None,
                                      max_queue=1,
                                      read_limit=1024, max_size=1 << 24,
                                      close_timeout=1) as ws:
            await ws.send(json.dumps({"type": "subscribe_logs", "filters": {
                "level": ["debug", "info", "warn", "error"]}}))
            res["stalled_connected"] = True
            # never read: wait for the edge to give up on us, or the end
            while time.time() < until and not ws.closed:
                await asyncio.sleep(0.2)
            res["stalled_closed_by_edge"] = ws.closed
            res["stalled_close_code"] = ws.close_code
    except Exception as e:  # report, do not hide
        res["stalled_error"] = repr(e)[:200]


async def churner(url, res, until):
    while time.time() < until:
        try:
            async with websockets.connect(url, ping_interval=None,
                                          open_timeout=5,
                                          close_timeout=2) as ws:
                m = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if m.get("type") != "initial_execution_state":
                    res["bad_first"] += 1
            res["connects"] += 1
        except websockets.exceptions.InvalidStatusCode as e:
            k = "status_%d" % e.status_code
            res["failures"][k] = res["failures"].get(k, 0) + 1
            await asyncio.sleep(0.05)
        except Exception as e:
            k = type(e).__name__
            res["failures"][k] = res["failures"].get(k, 0) + 1
            await asyncio.sleep(0.05)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--stalled-url")
    ap.add_argument("--stalled-extra", type=float, default=0,
                    help="keep the stalled client this much longer")
    a = ap.parse_args()
    until = time.time() + a.duration
    res = {"connects": 0, "failures": {}, "bad_first": 0}
    tasks = [asyncio.create_task(churner(a.url, res, until))
             for _ in range(a.clients)]
    if a.stalled_url:
        tasks.append(asyncio.create_task(
            stalled(a.stalled_url, res, until + a.stalled_extra)))
    t0 = time.time()
    await asyncio.gather(*tasks)
    res["connects_per_s"] = res["connects"] / (time.time() - t0)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
