"""A demo run through two edges (see edge_stream.sh)."""
import asyncio
import json
import sys
import urllib.request

from edgeclient import Client, check, run, start_emit

PA, PB = int(sys.argv[1]), int(sys.argv[2])
EMIT, RING = sys.argv[3], sys.argv[4]
COUNT = 1500


def url(p):
    return f"ws://127.0.0.1:{p}/ws/flow"


def rest(p):
    with urllib.request.urlopen(
            f"http://127.0.0.1:{p}/api/v1/execution-sessions/current-execution") as r:
        return json.loads(r.read())


async def main():
    a = await Client(url(PA), "a-all-logs").connect()
    b = await Client(url(PB), "b-no-logs").connect()
    e = await Client(url(PB), "b-errors").connect()
    for c in (a, b, e):
        m = await c.expect("initial_execution_state")
        check(m["data"] is not None, f"{c.name}: null state while linked")

    await a.send({"type": "identify_client",
                  "clientInfo": {"name": "ProgramDashboard", "page": "dashboard"}})
    m = await a.expect("client_identified")
    check(m["data"]["name"] == "ProgramDashboard" and m["data"]["page"] == "dashboard",
          f"identify: {m}")
    await b.send({"type": "identify_client", "clientInfo": {"name": "x", "page": "y"}})
    m2 = await b.expect("client_identified")
    check(m["data"]["clientId"] != m2["data"]["clientId"], "clientIds not unique")

    await a.send({"type": "ping"})
    await a.expect("pong")
    await a.send({"type": "request_initial_state"})
    await a.expect("initial_execution_state")

    await a.send({"type": "subscribe_logs"})
    m = await a.expect("logs_subscribed")
    await e.send({"type": "subscribe_logs", "filters": {"level": ["error"]}})
    m = await e.expect("logs_subscribed")
    check(m["data"]["filters"] == {"level": ["error"]}, f"filters echoed: {m}")

    proc = await start_emit(EMIT, RING, "--demo", "--rate", "500", "--count", str(COUNT))
    await asyncio.sleep(0.5)
    await a.send({"type": "hardware_health_update",
                  "data": {"component": "e2e_pump", "status": "degraded",
                           "details": {"rpm": 1200, "note": "Помпа"}}})
    await proc.wait()
    check(proc.returncode == 0, "flowhub-emit failed")
    for c in (a, b, e):
        await c.drain(quiet=1.5)

    ea = a.events()
    eb = b.events()
    logs_a = [m for m in ea if m["type"] == "log_entry"]
    non_a = [(m["seq"], m["type"]) for m in ea if m["type"] != "log_entry"]
    non_b = [(m["seq"], m["type"]) for m in eb if m["type"] != "log_entry"]
    check(non_a == non_b, f"edges differ: {len(non_a)} vs {len(non_b)} events")
    check(not any(m["type"] == "log_entry" for m in eb),
          "a client without a subscription got logs")
    seqs = [m["seq"] for m in ea]
    check(seqs == list(range(1, COUNT + 2)),
          f"a subscriber of every log must see every seq 1..{COUNT + 1}: "
          f"got {len(seqs)} from {seqs[:3]} to {seqs[-3:]}")
    types = {m["type"] for m in ea}
    for t in ("execution_started", "block_started_enhanced",
              "block_executed_enhanced", "execution_finished", "log_entry",
              "hardware_health_update"):
        check(t in types, f"no {t} in the demo run")
    hw = [m for m in eb if m["type"] == "hardware_health_update"
          and m["data"]["component"] == "e2e_pump"]
    check(len(hw) == 1 and hw[0]["data"]["status"] == "degraded"
          and hw[0]["data"]["details"]["note"] == "Помпа",
          f"client hardware update not broadcast: {hw}")
    le = [m for m in e.events() if m["type"] == "log_entry"]
    want = [m["seq"] for m in logs_a if m["data"]["level"] == "error"]
    check([m["seq"] for m in le] == want and want,
          f"error filter: {len(le)} logs, want {len(want)}")
    check(any("Измерва" in (m["data"].get("displayText") or "")
              for m in ea if m["type"] == "block_started_enhanced"),
          "non-ASCII display text lost")

    # REST equals the state message once the edge's snapshot caught up
    last = seqs[-1]
    for _ in range(40):
        r = rest(PA)
        if r["success"] and r["data"]["seq"] == last:
            break
        await asyncio.sleep(0.1)
    check(r["success"] and r["data"]["seq"] == last,
          f"REST state at seq {r['data']['seq']}, last event {last}")
    await a.send({"type": "request_initial_state"})
    m = await a.expect("initial_execution_state")
    check(m["data"] == r["data"], "REST data differs from the state message")
    rb = rest(PB)
    check(rb["data"]["seq"] <= last, "edge B ahead of the hub")

    await a.send({"type": "unsubscribe_logs"})
    await a.expect("logs_unsubscribed")
    for c in (a, b, e):
        await c.close()

run(main)
