"""resume (see edge_resume.sh)."""
import asyncio
import os
import signal
import subprocess
import sys
import urllib.request

from edgeclient import Client, check, run, start_emit

PA = int(sys.argv[1])
EMIT, RING, PID = sys.argv[2], sys.argv[3], int(sys.argv[4])
EDGE, RUN, WWW, LOG2 = sys.argv[5:9]
PB = int(sys.argv[9])
URL = f"ws://127.0.0.1:{PA}/ws/flow"


async def emit(n, rate=1000):
    p = await start_emit(EMIT, RING, "--demo", "--rate", str(rate), "--count", str(n))
    await p.wait()
    check(p.returncode == 0, "flowhub-emit failed")


def nonlog(c, after=0):
    return [m["seq"] for m in c.events() if m["type"] != "log_entry" and m["seq"] > after]


async def healthy():
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PA}/healthz") as r:
                if r.status == 200:
                    return
        except Exception:
            pass
        await asyncio.sleep(0.1)
    check(False, "restarted edge never linked")


async def snapshot_current():
    """Until the edge's snapshot is at the last event it forwarded (so a
    client that connects gets the state and no backlog of events)."""
    import json
    for _ in range(100):
        with urllib.request.urlopen(f"http://127.0.0.1:{PA}/metrics") as r:
            fwd = next(int(l.split()[1]) for l in r.read().decode().splitlines()
                       if l.startswith("flowhub_edge_hub_seq "))
        with urllib.request.urlopen(
                f"http://127.0.0.1:{PA}/api/v1/execution-sessions/current-execution") as r:
            seq = json.loads(r.read())["data"]["seq"]
        if seq == fwd:
            return
        await asyncio.sleep(0.1)
    check(False, "the edge's snapshot never caught up")


async def resumed(name, since):
    c = await Client(URL, name).connect()
    await c.expect("initial_execution_state")
    await c.send({"type": "resume", "since": since})
    await c.drain(quiet=1.0)
    return c


async def main():
    ref = await Client(URL, "ref").connect()
    await ref.expect("initial_execution_state")
    other = await Client(f"ws://127.0.0.1:{PB}/ws/flow", "other-edge").connect()
    await other.expect("initial_execution_state")
    c1 = await Client(URL, "c1").connect()
    await c1.expect("initial_execution_state")
    await emit(150)
    await c1.drain(quiet=1.0)
    s1 = c1.last_seq
    check(s1 > 0, "c1 got no events")
    await c1.close()

    # 1. missed events while away: from the hub's history (the edge's
    # snapshot has moved past s1 by now)
    await emit(100)
    await snapshot_current()
    await ref.drain(quiet=0.5)
    c2 = await resumed("c2", s1)
    want = nonlog(ref, s1)
    check(nonlog(c2, s1) == want,
          f"resume {s1}: got {len(nonlog(c2, s1))} events, want {len(want)}")

    # 2. resume right away, while events flow (recent buffer or history)
    c3 = await Client(URL, "c3").connect()
    await c3.expect("initial_execution_state")
    flow = asyncio.create_task(emit(300, 300))
    await asyncio.sleep(0.4)
    await c3.drain(quiet=0.05, limit=0.2)
    s3 = c3.last_seq
    await c3.close()
    c4 = await Client(URL, "c4").connect()
    await c4.expect("initial_execution_state")
    await c4.send({"type": "resume", "since": s3})
    await flow
    await c4.drain(quiet=1.0)
    await ref.drain(quiet=0.5)
    got, want = nonlog(c4, s3), nonlog(ref, s3)
    # Events already written to c4 (the state and backlog it got on
    # connect) are not sent again: what it lacks must be covered by the
    # state it received, and the rest must be exactly the same events.
    top = max([st["data"]["seq"] for st in c4.states if st["data"]] + [0])
    missing = [x for x in want if x not in set(got)]
    check(got == want[len(missing):] and all(x <= top for x in missing),
          f"resume {s3} while flowing: {len(got)} vs {len(want)}, "
          f"missing {missing[:10]} state {top}")

    # 3. older than the hub retains (400): a fresh state instead.  (Wait
    # for the edge's snapshot to catch up: events already written to a
    # client are never sent to it again, whatever it resumes from.)
    await snapshot_current()
    c5 = await resumed("c5", 1)
    check(len(c5.states) == 2, f"too old: {len(c5.states)} states, want 2")
    check(not nonlog(c5, 0) or nonlog(c5, 0)[0] > c5.states[1]["data"]["seq"],
          "too old: events before the fresh state")

    # 4. the edge dies (kill -9) and a new one takes over the port
    last = ref.last_seq
    for c in (ref, c2, c4, c5):
        await c.close()
    os.kill(PID, signal.SIGKILL)
    await emit(80)
    log = open(LOG2, "w")
    p = subprocess.Popen([EDGE, "--listen", f"127.0.0.1:{PA}", "--id", "ra",
                          "--runtime-dir", RUN, "--www", WWW],
                         stdout=log, stderr=log)
    try:
        await healthy()
        await snapshot_current()
        c6 = await resumed("c6", last)
        seqs = nonlog(c6, last)
        check(len(seqs) > 0 and seqs == sorted(set(seqs)),
              f"after edge restart: {seqs[:5]}")
        # exactly what a client of the other edge saw after `last`
        await other.drain(quiet=0.5)
        want = nonlog(other, last)
        check(seqs == want, f"after edge restart: {len(seqs)} events, "
              f"want {len(want)}; missing {sorted(set(want) - set(seqs))[:20]}"
              f" extra {sorted(set(seqs) - set(want))[:20]} last {last}"
              f" states {[s['data']['seq'] for s in c6.states if s['data']]}")
        check(other.last_seq > last, "no events after the kill")
    finally:
        p.terminate()
        p.wait(5)

run(main)
