"""since on the upgrade URL (see edge_since.sh)."""
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

import websockets

from edgeclient import Client, check, run, start_emit

PA, PB = int(sys.argv[1]), int(sys.argv[2])
EMIT, RING, HUB_PID = sys.argv[3], sys.argv[4], int(sys.argv[5])
EDGE, RUN, WWW, TMP = sys.argv[6:10]
ALL = {"level": ["debug", "info", "warn", "error"]}
ERRORS = {"level": ["error"]}


def url(port, since=None, logs=None, extra=""):
    u = f"ws://127.0.0.1:{port}/ws/flow"
    q = []
    if since is not None:
        q.append(f"since={since}")
    if logs is not None:
        q.append("logs=" + urllib.parse.quote(json.dumps(logs), safe=""))
    if extra:
        q.append(extra)
    return u + ("?" + "&".join(q) if q else "")


async def emit(n, rate=2000):
    p = await start_emit(EMIT, RING, "--demo", "--rate", str(rate), "--count", str(n))
    await p.wait()
    check(p.returncode == 0, "flowhub-emit failed")


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as r:
        return json.loads(r.read())


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return int(float(line.split()[1]))
    return None


async def snapshot_current(port):
    """Until the edge's snapshot is at the last event it forwarded."""
    for _ in range(100):
        fwd = metric(port, "flowhub_edge_hub_seq")
        seq = get_json(port, "/api/v1/execution-sessions/current-execution")["data"]["seq"]
        if seq == fwd:
            return seq
        await asyncio.sleep(0.1)
    check(False, "the edge's snapshot never caught up")


def level_ok(flt, m):
    if m["type"] != "log_entry":
        return True
    return flt is not None and m["data"]["level"] in flt["level"]


def want(ref, after, flt):
    return [m["seq"] for m in ref.events()
            if m["seq"] > after and level_ok(flt, m)]


async def resumed(name, port, since, logs=None, quiet=0.8):
    c = await Client(url(port, since, logs), name).connect()
    await c.drain(quiet=quiet)
    return c


def same(c, ref, after, flt, what):
    got = [m["seq"] for m in c.events()]
    exp = want(ref, after, flt)
    check(not c.states, f"{what}: got a state {[s['data'] and s['data']['seq'] for s in c.states]}")
    check(got == exp,
          f"{what}: {len(got)} events, want {len(exp)}; missing "
          f"{sorted(set(exp) - set(got))[:20]} extra {sorted(set(got) - set(exp))[:20]}")
    if flt is not None:
        check(any(m["type"] == "logs_subscribed" for m in c.seen),
              f"{what}: no logs_subscribed")


async def refused(u, why):
    try:
        ws = await websockets.connect(u)
    except websockets.exceptions.InvalidStatusCode as e:
        check(e.status_code == 400, f"{why}: status {e.status_code}, want 400")
        return
    await ws.close()
    check(False, f"{why}: upgrade accepted")


async def main():
    # bad values: 400 on the upgrade, nothing else
    for q, why in [("since=abc", "letters"), ("since=-1", "negative"),
                   ("since=", "empty"), ("since=1.5", "fraction"),
                   ("since=99999999999999999999", "past 2^64"),
                   ("since=1&since=2", "twice"),
                   ("logs=%7B%7D", "logs without since"),
                   ("since=1&logs=nope", "logs not JSON"),
                   ("since=1&logs=%5B1%5D", "logs not an object"),
                   ("since=1&logs=" + urllib.parse.quote('{"level":["loud"]}'),
                    "unknown level"),
                   ("since=1&logs=" + urllib.parse.quote('{"tag":5}'),
                    "tag not a string")]:
        await refused(f"ws://127.0.0.1:{PA}/ws/flow?{q}", why)
    # the logs value is URL-decoded as a form field: '+' is a space
    # (what URLSearchParams writes), %2B a plus, %26 no separator
    for q, tag in [("%7B%22tag%22%3A%22Pump+1%22%7D", "Pump 1"),
                   ("%7B%22tag%22%3A%22a%2Bb%26c%3Dd%22%7D", "a+b&c=d")]:
        c = await Client(f"ws://127.0.0.1:{PA}/ws/flow?since=0&logs={q}", "enc").connect()
        m = await c.expect("logs_subscribed")
        check(m["data"]["filters"].get("tag") == tag,
              f"logs={q}: filter {m['data']['filters']}, want tag {tag!r}")
        await c.close()
    # without since: the greeting as always
    plain = await Client(url(PA), "plain").connect()
    await plain.expect("initial_execution_state")

    # the reference: every seq, on the other edge
    ref = await Client(url(PB), "ref").connect()
    await ref.expect("initial_execution_state")
    await ref.subscribe_logs(ALL)
    await emit(150)
    await ref.drain(quiet=0.8)
    check(any(m["type"] == "log_entry" for m in ref.events()), "no logs emitted")

    # 1. a few events back: the recent buffer (when the snapshot did not
    # pass S meanwhile, else the history; either must be exact)
    s1 = await snapshot_current(PA)
    await emit(60)
    await ref.drain(quiet=0.5)
    c1 = await resumed("c1", PA, s1)
    same(c1, ref, s1, None, f"recent since={s1}")
    c2 = await resumed("c2", PA, s1, ALL)
    same(c2, ref, s1, ALL, f"recent since={s1} with all logs")
    c3 = await resumed("c3", PA, s1, ERRORS)
    same(c3, ref, s1, ERRORS, f"recent since={s1} with error logs")

    # 2. from before the edge's snapshot: the hub's history
    s0 = [m["seq"] for m in ref.events()][20]
    snap = await snapshot_current(PA)
    check(snap > s0, "snapshot did not move")
    c4 = await resumed("c4", PA, s0, ALL)
    same(c4, ref, s0, ALL, f"history since={s0} with logs")
    c4b = await resumed("c4b", PA, s0, {"level": ["info", "warn"]})
    same(c4b, ref, s0, {"level": ["info", "warn"]}, f"history since={s0} info+warn")

    # 3. while events flow, and live after it
    flow = asyncio.create_task(emit(200, 400))
    await asyncio.sleep(0.2)
    await ref.drain(quiet=0.05, limit=0.1)
    s2 = ref.last_seq - 5
    c5 = await Client(url(PA, s2, ALL), "c5").connect()
    await flow
    for c in (c1, c2, c3, c4, c5):
        await c.drain(quiet=0.8)
    await ref.drain(quiet=0.5)
    same(c5, ref, s2, ALL, f"while flowing since={s2}")
    for c, after, flt in ((c1, s1, None), (c2, s1, ALL), (c3, s1, ERRORS),
                          (c4, s0, ALL)):
        same(c, ref, after, flt, f"{c.name} live after its replay")

    # 4. older than the hub retains (2000): a fresh state, then the events
    await emit(2500, 5000)
    await snapshot_current(PA)
    c6 = await resumed("c6", PA, 1)
    check(len(c6.states) == 1 and c6.states[0]["data"] is not None,
          f"too old: {len(c6.states)} states")
    st = c6.states[0]["data"]["seq"]
    await ref.drain(quiet=0.5)
    got = [m["seq"] for m in c6.events()]
    check(got == want(ref, st, None), f"too old: events after the state {got[:5]}")

    # 5. clients that keep reconnecting (random lifetimes, so the filter
    # is now and then dropped and registered anew) while events flow:
    # each must end with every seq, each once, in order (at 1000/s the
    # hub's 2000 retained events leave 2 s for a reconnect)
    base = ref.last_seq
    shared = {"target": None}

    async def churner(i):
        last, conns = base, 0
        while shared["target"] is None or last < shared["target"]:
            u = url(PA, last, ALL)
            async with websockets.connect(u, max_size=None, max_queue=None,
                                          ping_interval=None) as ws:
                conns += 1
                end = asyncio.get_running_loop().time() + random.uniform(0.02, 0.5)
                while shared["target"] is None or last < shared["target"]:
                    left = end - asyncio.get_running_loop().time()
                    if left <= 0:
                        break
                    try:
                        m = json.loads(await asyncio.wait_for(ws.recv(), left))
                    except asyncio.TimeoutError:
                        break
                    check(m["type"] != "initial_execution_state",
                          f"churn {i}: a state after since={last}")
                    if "seq" in m:
                        check(m["seq"] == last + 1,
                              f"churn {i}: seq {m['seq']} after {last} (connection {conns})")
                        last = m["seq"]
            await asyncio.sleep(random.uniform(0, 0.05))
        return conns

    tasks = [asyncio.create_task(churner(i)) for i in range(3)]
    await emit(6000, 1000)
    await ref.drain(quiet=0.8)
    shared["target"] = ref.last_seq
    conns = await asyncio.wait_for(asyncio.gather(*tasks), 60)
    check(min(conns) > 5, f"churn: too few reconnects {conns}")
    print(f"churn: 3 clients, {sum(conns)} connections, every seq {base + 1}..{ref.last_seq}")

    # 6. an edge that has no hub link yet: the client waits for it
    last = ref.last_seq
    procs = []

    async def start_edge(name):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        log = open(os.path.join(TMP, name + ".log"), "w")
        procs.append(subprocess.Popen(
            [EDGE, "--listen", f"127.0.0.1:{port}", "--id", name,
             "--runtime-dir", RUN, "--www", WWW], stdout=log, stderr=log))
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz")
            except urllib.error.HTTPError:
                return port  # answers, 503: not linked
            except OSError:
                pass
            check(procs[-1].poll() is None, f"edge {name} exited")
            await asyncio.sleep(0.05)
        check(False, f"edge {name} does not answer")

    os.kill(HUB_PID, signal.SIGSTOP)
    try:
        pc = await start_edge("sc")
        c7 = await Client(url(pc, last, ALL), "c7").connect()
        await asyncio.sleep(1.0)
        os.kill(HUB_PID, signal.SIGCONT)
        await emit(80)
        await c7.drain(quiet=1.0)
        await ref.drain(quiet=0.5)
        same(c7, ref, last, ALL, f"edge without a link, since={last}")
        # ... but not forever: with no state to give, 1013 after 5 s
        os.kill(HUB_PID, signal.SIGSTOP)
        pd = await start_edge("sd")
        c8 = await Client(url(pd, last), "c8").connect()
        code, _ = await c8.closed(timeout=10)
        check(code == 1013, f"unlinked edge: close {code}, want 1013")
        check(not c8.states and not c8.events(), "unlinked edge sent a state or events")
    finally:
        os.kill(HUB_PID, signal.SIGCONT)
        for p in procs:
            p.terminate()
            p.wait(5)

run(main)
