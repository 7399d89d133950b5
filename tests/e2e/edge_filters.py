"""Log filters (see edge_filters.sh)."""
import json
import random
import sys

from edgeclient import Client, check, run, start_emit

PA, PB = int(sys.argv[1]), int(sys.argv[2])
EMIT, RING = sys.argv[3], sys.argv[4]

LEVELS = ["debug", "info", "warn", "error"]
TAGS = ["Pump", "Sensor", None]
MODULES = ["sensors.ph", "actuators.pump", None]


def logs(n, seed):
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        ev = {"event": "log", "level": rnd.choice(LEVELS),
              "message": f"m{seed}-{i}"}
        t, m = rnd.choice(TAGS), rnd.choice(MODULES)
        if t:
            ev["tag"] = t
        if m:
            ev["module"] = m
        out.append(ev)
    return out


def match(f, ev):
    if "level" in f and ev["level"] not in f["level"]:
        return False
    if "tag" in f and ev.get("tag") != f["tag"]:
        return False
    if "module" in f and ev.get("module") != f["module"]:
        return False
    return True


async def emit(lines):
    proc = await start_emit(EMIT, RING)
    await proc.communicate("\n".join(json.dumps(x) for x in lines).encode() + b"\n")
    check(proc.returncode == 0, "flowhub-emit rejected a line")


async def main():
    specs = [
        (PA, {"level": ["warn", "error"]}),
        (PA, {"tag": "Pump"}),
        (PA, {"tag": "Pump"}),                        # shares the one above
        (PB, {"module": "sensors.ph", "level": ["info"]}),
        (PB, {"tag": "Sensor", "module": "actuators.pump"}),
        (PB, {}),                                     # everything
    ]
    clients = []
    for i, (port, f) in enumerate(specs):
        c = await Client(f"ws://127.0.0.1:{port}/ws/flow", f"f{i}").connect()
        await c.expect("initial_execution_state")
        await c.send({"type": "subscribe_logs", "filters": f})
        m = await c.expect("logs_subscribed")
        clients.append((c, f))
    # one that replaces its filter, one that unsubscribes
    r = await Client(f"ws://127.0.0.1:{PA}/ws/flow", "replace").connect()
    await r.expect("initial_execution_state")
    await r.subscribe_logs({"level": ["debug"]})
    await r.subscribe_logs({"level": ["error"], "tag": "Pump"})
    u = await Client(f"ws://127.0.0.1:{PA}/ws/flow", "unsub").connect()
    await u.expect("initial_execution_state")
    await u.subscribe_logs({"tag": "Pump"})
    await u.send({"type": "unsubscribe_logs"})
    await u.expect("logs_unsubscribed")
    clients.append((r, {"level": ["error"], "tag": "Pump"}))
    clients.append((u, None))

    sent = logs(300, 7)
    await emit([{"event": "execution_started", "sessionId": "filters"}] + sent)
    for c, _ in clients:
        await c.drain(quiet=1.5)
    for c, f in clients:
        got = [m["data"]["message"] for m in c.events() if m["type"] == "log_entry"]
        want = [] if f is None else [ev["message"] for ev in sent if match(f, ev)]
        check(got == want, f"{c.name} {f}: got {len(got)} logs, want {len(want)}"
              f" (first diff: {next((x for x in zip(got, want) if x[0] != x[1]), None)})")
        if f is not None:
            for m in c.events():
                if m["type"] == "log_entry":
                    d = m["data"]
                    ev = next(x for x in sent if x["message"] == d["message"])
                    check(d["level"] == ev["level"] and d.get("tag") == ev.get("tag")
                          and d.get("module") == ev.get("module"),
                          f"{c.name}: log fields differ: {d} vs {ev}")
        # the execution_started reaches everyone
        check(any(m["type"] == "execution_started" for m in c.events()),
              f"{c.name}: no execution_started")
    for c, _ in clients:
        await c.close()

run(main)
