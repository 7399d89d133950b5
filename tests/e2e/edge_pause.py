"""A reader that pauses and resumes (see edge_pause.sh)."""
import asyncio
import json
import socket
import subprocess
import sys
import time

from edgeclient import Client, Stalled, check, feed_paced, run, start_emit

PA = int(sys.argv[1])
EMIT, RING = sys.argv[2], sys.argv[3]
COUNT = 3000
PAD = "Пауза " * 300  # ~3.3 KiB per event: the socket fills within the run
RATE = 1000


def frames(data):
    """Complete unmasked server frames in DATA: [(opcode, payload)]."""
    out, i = [], 0
    while i + 2 <= len(data):
        op, n, j = data[i] & 0x0F, data[i + 1] & 0x7F, i + 2
        if n == 126:
            n, j = int.from_bytes(data[j:j + 2], "big"), j + 2
        elif n == 127:
            n, j = int.from_bytes(data[j:j + 8], "big"), j + 8
        if j + n > len(data):
            break
        out.append((op, data[j:j + n]))
        i = j + n
    return out, data[i:]


def read_until(s, last_seq, limit):
    """Read S until an event with LAST_SEQ arrives; return the messages."""
    s.settimeout(0.5)
    buf, msgs, end = b"", [], time.time() + limit
    while time.time() < end:
        try:
            chunk = s.recv(1 << 20)
        except socket.timeout:
            continue
        check(chunk, f"paused reader: connection ended after {len(msgs)} messages")
        got, buf = frames(buf + chunk)
        for op, p in got:
            check(op != 0x8, f"paused reader closed: {p[:2].hex()} {p[2:]!r}")
            if op == 0x1:
                msgs.append(json.loads(p))
        if msgs and msgs[-1].get("seq") == last_seq:
            return msgs
    return msgs


async def main():
    fast = await Client(f"ws://127.0.0.1:{PA}/ws/flow", "fast").connect()
    fast.validate = False
    await fast.expect("initial_execution_state")
    paused = Stalled(PA, rcvbuf=8192)  # reads nothing until told to
    proc = await start_emit(EMIT, RING)
    loop = asyncio.get_running_loop()
    await feed_paced(proc.stdin, COUNT, PAD, RATE)
    await proc.wait()
    check(proc.returncode == 0, "flowhub-emit failed")
    await fast.until_seq(COUNT, limit=60)
    seqs = [m["seq"] for m in fast.events()]
    check(seqs == list(range(1, COUNT + 1)),
          f"reading client: {len(seqs)} of {COUNT} events")
    # The paused socket has been full for most of the run: the edge holds
    # queued frames and lws a remainder.  Reading now must bring them all.
    msgs = await loop.run_in_executor(None, read_until, paused.s, COUNT, 60)
    check(msgs and msgs[0]["type"] == "initial_execution_state",
          f"paused reader: first message {msgs[:1]}")
    ev = [m["seq"] for m in msgs if "seq" in m and m["type"] != "initial_execution_state"]
    check(ev == list(range(1, COUNT + 1)),
          f"paused reader: {len(ev)} of {COUNT} events"
          f" (first {ev[:3]}, last {ev[-3:]})")
    # and it is live again: one more event reaches it at once
    await loop.run_in_executor(None, lambda: subprocess.run(
        [EMIT, "--ring", RING, "-"], check=True, stderr=subprocess.DEVNULL,
        input=(json.dumps({"event": "block_started", "blockId": "last",
                           "blockType": "end"}) + "\n").encode()))
    more = await loop.run_in_executor(None, read_until, paused.s, COUNT + 1, 10)
    check([m.get("seq") for m in more] == [COUNT + 1],
          f"paused reader after resuming: {[m.get('seq') for m in more]}")
    paused.close()
    await fast.close()

run(main)
