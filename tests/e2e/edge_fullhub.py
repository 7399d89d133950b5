"""Log clients of an edge whose hub has no room for their filters (see
edge_fullhub.sh)."""
import json
import sys
import urllib.parse

from edgeclient import Client, check, run, start_emit

P, EMIT, RING = int(sys.argv[1]), sys.argv[2], sys.argv[3]
N = 90
TAGS = ["mine", "other", "third"]


def line(i):
    if i % 3:
        return {"event": "log", "level": "info", "message": f"line {i}",
                "tag": TAGS[(i // 3) % len(TAGS)], "module": "core"}
    return {"event": "hardware_health", "component": f"c{i % 5}",
            "status": "ok", "details": {"i": i}}


async def main():
    live = await Client(f"ws://127.0.0.1:{P}/ws/flow", "live").connect()
    await live.expect("initial_execution_state")
    await live.subscribe_logs({"tag": "mine"})
    logs = urllib.parse.quote(json.dumps({"tag": "other"}), safe="")
    res = await Client(f"ws://127.0.0.1:{P}/ws/flow?since=0&logs={logs}",
                       "resumed").connect()
    emit = await start_emit(EMIT, RING)
    emit.stdin.write("".join(json.dumps(line(i)) + "\n"
                             for i in range(N)).encode())
    await emit.stdin.drain()
    emit.stdin.close()
    await emit.wait()
    events = [i + 1 for i in range(N) if i % 3 == 0]
    for c, tag in ((live, "mine"), (res, "other")):
        want = sorted(events + [i + 1 for i in range(N)
                                if i % 3 and TAGS[(i // 3) % len(TAGS)] == tag])
        await c.until_seq(want[-1], limit=20)
        await c.drain(quiet=0.5)
        seqs = [m["seq"] for m in c.events()]
        check(seqs == want,
              f"{c.name}: {len(seqs)} of {len(want)} seqs, first missing "
              f"{next((s for s in want if s not in set(seqs)), None)}, "
              f"first extra {next((s for s in seqs if s not in set(want)), None)}")
        got = sum(1 for m in c.events() if m["type"] == "log_entry")
        print(f"{c.name}: every {tag} log ({got}) and every event, nothing else")


run(main)
