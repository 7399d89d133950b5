"""Hub restart under a running stream (see edge_hubrestart.sh).  Client
a also takes every log: the restarted hub sequences the logs the ring held
before the edge has registered its filter again, and a must still get each
of them, once and in order."""
import asyncio
import json
import os
import signal
import subprocess
import sys

from edgeclient import Client, check, run, start_emit

PA, PB = int(sys.argv[1]), int(sys.argv[2])
EMIT, RING, HUB_PID = sys.argv[3], sys.argv[4], int(sys.argv[5])
HUB, RUN, STATE, LOG2 = sys.argv[6:10]
N = 600


def is_log(i):
    return i % 3 == 2


def line(i):
    if is_log(i):
        return {"event": "log", "level": "info", "message": f"line {i}",
                "tag": "io", "module": "core"}
    if i % 2 == 0:
        return {"event": "block_started", "blockId": f"b{i // 2}",
                "blockType": "sensor_read", "blockName": "Read EC",
                "displayText": "Измерва EC..."}
    return {"event": "block_executed", "blockId": f"b{i // 2}",
            "status": "completed", "result": {"i": i}}


async def main():
    a = await Client(f"ws://127.0.0.1:{PA}/ws/flow", "a").connect()
    b = await Client(f"ws://127.0.0.1:{PB}/ws/flow", "b").connect()
    for c in (a, b):
        await c.expect("initial_execution_state")
    await a.subscribe_logs({})
    emit = await start_emit(EMIT, RING)
    hub2 = None
    for i in range(N):
        emit.stdin.write((json.dumps(line(i)) + "\n").encode())
        await emit.stdin.drain()
        if i == N // 3:
            os.kill(HUB_PID, signal.SIGKILL)
        if i == N // 3 + 60:
            log = open(LOG2, "w")
            hub2 = subprocess.Popen([HUB, "--ring", RING, "--runtime-dir", RUN,
                                     "--state-dir", STATE],
                                    stdout=log, stderr=log)
        await asyncio.sleep(0.004)
    emit.stdin.close()
    await emit.wait()
    try:
        last_event = max(i + 1 for i in range(N) if not is_log(i))
        await a.until_seq(N, limit=40)
        await b.until_seq(last_event, limit=40)
        for c in (a, b):
            await c.drain(quiet=0.5)
        want = {a: list(range(1, N + 1)),
                b: [i + 1 for i in range(N) if not is_log(i)]}
        for c in (a, b):
            seqs = [m["seq"] for m in c.events()]
            check(seqs == want[c],
                  f"{c.name}: {len(seqs)} events, first missing "
                  f"{next((s for s in want[c] if s not in set(seqs)), None)}")
        # a client that joins now starts from a state that covers them all
        j = await Client(f"ws://127.0.0.1:{PA}/ws/flow", "late").connect()
        for _ in range(30):
            m = await j.expect("initial_execution_state")
            if m["data"] and m["data"]["seq"] == N:
                break
            await j.close()
            await asyncio.sleep(0.2)
            j = await Client(f"ws://127.0.0.1:{PA}/ws/flow", "late").connect()
        check(m["data"]["seq"] == N, f"state after restart at {m['data']['seq']}")
        check(m["data"]["executionContext"]["blocksCompleted"] >= 1, "state lost")
    finally:
        if hub2:
            hub2.terminate()
            hub2.wait(10)

run(main)
