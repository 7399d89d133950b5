"""A live log client across a long freeze of its edge (see edge_frozen.sh)."""
import asyncio
import json
import os
import signal
import sys

from edgeclient import Client, check, run, start_emit

P, EMIT, RING, EDGE_PID = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
WIRE_EDGE_TIMEOUT_S = 10
N = 300           # lines, one every 50 ms: 15 s
STOP_AT, CONT_AT = 40, 40 + (WIRE_EDGE_TIMEOUT_S + 2) * 20


def line(i):
    if i % 2:
        return {"event": "log", "level": "info", "message": f"line {i}",
                "tag": "io", "module": "core"}
    return {"event": "hardware_health", "component": f"c{i % 7}",
            "status": "ok", "details": {"i": i}}


async def main():
    c = await Client(f"ws://127.0.0.1:{P}/ws/flow", "live").connect()
    await c.expect("initial_execution_state")
    await c.subscribe_logs({})
    emit = await start_emit(EMIT, RING)
    try:
        for i in range(N):
            if i == STOP_AT:
                os.kill(EDGE_PID, signal.SIGSTOP)
            if i == CONT_AT:
                os.kill(EDGE_PID, signal.SIGCONT)
            emit.stdin.write((json.dumps(line(i)) + "\n").encode())
            await emit.stdin.drain()
            await asyncio.sleep(0.05)
    finally:
        os.kill(EDGE_PID, signal.SIGCONT)
    emit.stdin.close()
    await emit.wait()
    await c.until_seq(N, limit=30)
    await c.drain(quiet=0.5)
    seqs = [m["seq"] for m in c.events()]
    want = list(range(1, N + 1))
    check(seqs == want,
          f"{len(seqs)} of {N} seqs, first missing "
          f"{next((s for s in want if s not in set(seqs)), None)}")
    logs = sum(1 for m in c.events() if m["type"] == "log_entry")
    print(f"live client: {len(seqs)} seqs, {logs} logs, none lost across "
          f"a {(CONT_AT - STOP_AT) / 20:.0f} s freeze")


run(main)
