#!/usr/bin/python3
"""Ask an edge for the execution state over a WebSocket, as an independent
client would, and print what the dashboard should show: the seq, the last
four actions (active and recent blocks, newest start first) and the
execution context.  With MIN_SEQ it asks again (request_initial_state)
until the state has caught up with that seq; with LINGER it then reads the
event stream for that many seconds ("streamSeq": the newest seq seen).
Usage: state_probe.py ws://127.0.0.1:PORT/ws/flow [MIN_SEQ [LINGER]]"""
import asyncio
import json
import sys

import websockets


def last_actions(state, n=4):
    ranked = []
    active = state.get("active") or []
    for i, b in enumerate(active):
        ranked.append((b, len(active) - i))
    for i, b in enumerate(state.get("recent") or []):
        ranked.append((b, -1 - i))
    # ISO-8601 UTC strings of one format sort as times do
    ranked.sort(key=lambda x: ((x[0].get("timing") or {}).get("startTime") or "", x[1]),
                reverse=True)
    seen, out = set(), []
    for b, _ in ranked:
        if b["blockId"] in seen:
            continue
        seen.add(b["blockId"])
        out.append([b["blockId"], b.get("status")])
    return out[:n]


async def main(url, min_seq, linger):
    origin = "http://" + url.split("//", 1)[1].split("/", 1)[0]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    stream_seq = 0  # the newest seq seen at all: states and the events after them
    asked = 0.0
    async with websockets.connect(url, origin=origin, open_timeout=5) as ws:
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if isinstance(msg.get("seq"), int):
                stream_seq = max(stream_seq, msg["seq"])
            if msg.get("type") == "initial_execution_state" and msg.get("data"):
                st = msg["data"]
                stream_seq = max(stream_seq, st["seq"])
                if st["seq"] < min_seq and loop.time() < deadline:
                    # not there yet: ask again, at most every 200 ms
                    await asyncio.sleep(max(0.0, asked + 0.2 - loop.time()))
                    asked = loop.time()
                    await ws.send(json.dumps({"type": "request_initial_state"}))
                    continue
                # then watch the stream a little (LINGER seconds)
                end = loop.time() + linger
                while loop.time() < end:
                    try:
                        ev = json.loads(await asyncio.wait_for(ws.recv(), end - loop.time()))
                    except asyncio.TimeoutError:
                        break
                    if isinstance(ev.get("seq"), int):
                        stream_seq = max(stream_seq, ev["seq"])
                print(json.dumps({
                    "seq": st["seq"],
                    "streamSeq": stream_seq,
                    "actions": last_actions(st),
                    "context": st.get("executionContext"),
                }, ensure_ascii=False))
                return


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0,
                     float(sys.argv[3]) if len(sys.argv) > 3 else 0.0))
