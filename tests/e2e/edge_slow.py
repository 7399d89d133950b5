"""Slow clients and bounded memory (see edge_slow.sh)."""
import asyncio
import os
import concurrent.futures
import sys
import urllib.request

from edgeclient import Client, Stalled, check, feed_paced, rss_kb, run, start_emit

PA = int(sys.argv[1])
EMIT, RING, PID = sys.argv[2], sys.argv[3], int(sys.argv[4])
STALLED = 20
COUNT = 12000
PAD = "Измерва " * 256  # ~3.8 KiB of display text per event
RATE = 1500


def slow_closes():
    with urllib.request.urlopen(f"http://127.0.0.1:{PA}/metrics") as r:
        for line in r.read().decode().splitlines():
            if line.startswith("flowhub_edge_slow_client_closes_total "):
                return int(line.split()[1])
    return -1


async def main():
    fast = await Client(f"ws://127.0.0.1:{PA}/ws/flow", "fast").connect()
    fast.validate = False  # keep up: validation is covered elsewhere
    await fast.expect("initial_execution_state")
    await fast.send({"type": "subscribe_logs"})
    await fast.expect("logs_subscribed")
    stalled = [Stalled(PA) for _ in range(STALLED)]
    base = rss_kb(PID)
    peak = base

    proc = await start_emit(EMIT, RING)
    feeder = asyncio.create_task(feed_paced(proc.stdin, COUNT, PAD, RATE))
    codes = None
    reader = asyncio.create_task(fast.drain(quiet=3.0, limit=120))
    while not reader.done():
        peak = max(peak, rss_kb(PID))
        if codes is None and slow_closes() >= STALLED:
            # read the stalled sockets now, before the edge gives up on
            # delivering the close frame
            loop = asyncio.get_running_loop()
            with concurrent.futures.ThreadPoolExecutor(STALLED) as pool:
                codes = await asyncio.gather(*[
                    loop.run_in_executor(pool, s.read_close) for s in stalled])
        await asyncio.sleep(0.05)
    await reader
    await feeder
    await proc.wait()
    check(proc.returncode == 0, "flowhub-emit failed")
    seqs = [m["seq"] for m in fast.events()]
    check(seqs == list(range(1, COUNT + 1)),
          f"reading client: {len(seqs)} of {COUNT} events")
    check(codes is not None, f"only {slow_closes()} of {STALLED} stalled clients closed")
    check(all(c == 1013 for c in codes), f"close codes of stalled clients: {codes}"
          f" {[getattr(s, 'debug', '') for s in stalled][:3]}")
    grown = (peak - base) / 1024
    print(f"edge RSS {base / 1024:.1f} MiB at start, peak {peak / 1024:.1f} MiB "
          f"(+{grown:.1f}) with {STALLED} stalled clients and {COUNT} events")
    # Frames are shared, so what unbounded queues would cost is every
    # frame of the run kept alive: ~45 MiB here.
    bound = float(os.environ.get("EDGE_SLOW_RSS_MIB", "30"))
    check(grown < bound, f"edge RSS grew by {grown:.1f} MiB (bound {bound} MiB)")
    for s in stalled:
        s.close()
    await fast.close()

run(main)
