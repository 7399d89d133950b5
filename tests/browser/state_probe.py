#!/usr/bin/python3
"""Ask an edge for the execution state over a WebSocket, as an independent
client would, and print what the dashboard should show: the seq, the last
four actions (active and recent blocks, newest start first) and the
execution context.  With MIN_SEQ it asks again (request_initial_state)
until the state has caught up with that seq.
Usage: state_probe.py ws://127.0.0.1:PORT/ws/flow [MIN_SEQ]"""
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


async def main(url, min_seq):
    origin = "http://" + url.split("//", 1)[1].split("/", 1)[0]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    async with websockets.connect(url, origin=origin, open_timeout=5) as ws:
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if msg.get("type") == "initial_execution_state":
                st = msg["data"]
                if st["seq"] < min_seq and loop.time() < deadline:
                    await asyncio.sleep(0.2)
                    await ws.send(json.dumps({"type": "request_initial_state"}))
                    continue
                print(json.dumps({
                    "seq": st["seq"],
                    "actions": last_actions(st),
                    "context": st.get("executionContext"),
                }, ensure_ascii=False))
                return


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0))
