#!/usr/bin/python3
"""Dashboard-like WebSocket clients for flowhub's fault tests.

Each client connects to an edge, takes the initial_execution_state,
subscribes to logs of every level (so every seq the hub assigns must reach
it), and records every event it receives.  When the connection closes (edge
killed, 1013, link cut...) it reconnects with a short back-off to
/ws/flow?since=LAST&logs=FILTERS, exactly as the dashboard does: the edge
then sends no greeting, only the events after LAST (or a state when LAST
is too old).  --inband makes it resume the way the original front end
does instead: greeting state, then {"type":"resume","since":last}.

Accounting, per client (exact, not sampled):
  - received: every seq ever delivered; missing = [start, target] - received
    where start is the first seq after the state of the first connection;
  - duplicate: a seq delivered again, except that after an in-band resume
    the edge may re-send, once, the events it had pushed on the new
    connection before the resume took effect (they are "pre-resume"
    events);
  - reorder: a seq not above the previous one on the same connection
    (after the one rewind a resume allows);
  - reset: a resume answered by a fresh initial_execution_state
    (history too old): the skipped seqs then count as missing;
  - gaps: "gap" messages and the number they say was lost.
Each new seq is kept as [seq, recv_ns, emit_ns, run, n, conn] where emit_ns,
run and n come from the stamp faultprod puts in every event, so check.py can
compute latencies, recovery times and producer-number continuity.

The clients are done when the seq in --target-file is reached without a
hole, or at --timeout; then the report (JSON) goes to --out.
"""
import argparse
import asyncio
import json
import os
import re
import signal
import sys
import time
import urllib.parse

import websockets

EVENT_TYPES = {
    "execution_started", "block_started_enhanced", "block_executed_enhanced",
    "execution_finished", "log_entry", "hardware_health_update", "gap",
}
STAMP_KEYS = ("params", "result", "data", "details", "meta", "summary")
TEXT_STAMP = re.compile(r"n=(\d+) t=(\d+) r=(\d+)")
ALL_LEVELS = ["debug", "info", "warn", "error"]


def stamp_of(data):
    """(emit_ns, run, n) from a faultprod stamp, or (0, 0, 0)."""
    if not isinstance(data, dict):
        return 0, 0, 0
    for k in STAMP_KEYS:
        v = data.get(k)
        if isinstance(v, dict) and "t" in v and "n" in v:
            try:
                return int(v["t"]), int(v.get("r", 0)), int(v["n"])
            except (TypeError, ValueError):
                pass
    m = TEXT_STAMP.search(str(data.get("displayText", "")))
    if m:
        return int(m.group(2)), int(m.group(3)), int(m.group(1))
    return 0, 0, 0


def compact(typ, data):
    """The fields of an event that the execution state depends on."""
    d = data if isinstance(data, dict) else {}
    if typ == "execution_started":
        return [typ, d.get("sessionId")]
    if typ == "block_started_enhanced":
        return [typ, d.get("blockId"), d.get("blockType"), d.get("blockName")]
    if typ == "block_executed_enhanced":
        return [typ, d.get("blockId"), d.get("status")]
    if typ == "execution_finished":
        return [typ, d.get("status")]
    if typ == "hardware_health_update":
        return [typ, d.get("component"), d.get("status")]
    if typ == "gap":
        return [typ, d.get("lost"), d.get("reason")]
    return [typ]


class Client:
    def __init__(self, name, url, logs, shared, inband=False):
        self.name, self.url, self.logs, self.shared = name, url, logs, shared
        self.inband = inband
        self.start = None          # first seq this client must receive
        self.anchor = None         # state of the first connection
        self.last = None           # highest seq delivered
        self.received = set()
        self.records = []
        self.events = {}           # seq -> compact event, for the state check
        self.dups = []
        self.reorders = []
        self.resets = []
        self.gaps = []
        self.errors = []
        self.closes = []
        self.connects = 0
        self.connect_failures = 0
        self.resumes = 0
        self.greetings = []        # per resume: since and the greeting's seq
        self.pre_allowed = set()
        self.ready = asyncio.Event()
        self.done = False
        self.complete_upto = None  # every seq <= this was received

    def advance(self):
        if self.start is None:
            return
        c = self.complete_upto if self.complete_upto is not None else self.start - 1
        while (c + 1) in self.received:
            c += 1
        self.complete_upto = c

    def deliver(self, m, conn):
        seq = m.get("seq")
        if not isinstance(seq, int):
            self.errors.append({"bad_event": str(m)[:200]})
            return
        now = time.time_ns()
        if seq in self.received:
            if seq in self.pre_allowed:
                self.pre_allowed.discard(seq)
            else:
                self.dups.append(seq)
            return
        self.received.add(seq)
        data = m.get("data")
        t, r, n = stamp_of(data)
        self.records.append([seq, now, t, r, n, conn])
        self.events[seq] = compact(m.get("type"), data)
        if m.get("type") == "gap":
            self.gaps.append({"seq": seq, "data": data})
        if self.last is None or seq > self.last:
            self.last = seq
        self.advance()

    def resume_url(self):
        q = "since=%d" % self.last
        if self.logs:
            q += "&logs=" + urllib.parse.quote(
                json.dumps({"level": ALL_LEVELS}), safe="")
        return self.url + ("&" if "?" in self.url else "?") + q

    async def session(self):
        """One connection: returns when it closes."""
        url = self.url
        if self.start is not None and not self.inband:
            url = self.resume_url()
        async with websockets.connect(url, ping_interval=None,
                                      max_size=1 << 24, open_timeout=5,
                                      close_timeout=2) as ws:
            self.connects += 1
            conn = self.connects
            resuming = False
            if self.start is not None and not self.inband:
                # Resume from the URL: no greeting; the stream goes on
                # after `since` (a state only if that is too old).
                self.resumes += 1
                self.greetings.append({"since": self.last, "greeting": None})
                await self.stream(ws, conn, False, None, self.last, [])
                return
            if self.start is not None:
                # Reconnect: ask for the logs and the resume at once, as the
                # dashboard does when the socket opens, before the edge has
                # a reason to push anything after its greeting.
                since = self.last
                if self.logs:
                    await ws.send(json.dumps({"type": "subscribe_logs",
                                              "filters": {"level": ALL_LEVELS}}))
                await ws.send(json.dumps({"type": "resume", "since": since}))
                self.resumes += 1
                resuming = True
                pre = []
            first = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if first.get("type") != "initial_execution_state":
                self.errors.append({"first_message": first.get("type")})
                return
            s_init = int(first["data"]["seq"])
            if resuming:
                self.greetings.append({"since": since, "greeting": s_init})
            prev = None
            if self.start is None:
                # First connection: the test starts the producer only once
                # every client is subscribed, so nothing is missed here.
                if self.logs:
                    await ws.send(json.dumps({"type": "subscribe_logs",
                                              "filters": {"level": ALL_LEVELS}}))
                self.anchor = first["data"]
                self.start = s_init + 1
                self.last = s_init
                self.complete_upto = s_init
                prev = s_init
            await self.stream(ws, conn, resuming, s_init, prev,
                              pre if resuming else [])

    async def stream(self, ws, conn, resuming, s_init, prev, pre):
        """Receive until the connection closes (or the target is reached)."""
        async for raw in ws:
            m = json.loads(raw)
            typ = m.get("type")
            if typ == "logs_subscribed":
                self.ready.set()
                continue
            if typ == "initial_execution_state":
                # A state in the middle of the stream (a resume whose
                # history was too old, or the edge starting over): the
                # seqs it covers were not delivered as events.  (A null
                # state, from an edge without a hub, counts as seq 0.)
                s = int((m.get("data") or {}).get("seq", 0))
                self.resets.append({"since": self.last, "state_seq": s,
                                    "resuming": resuming})
                resuming = False
                prev = s
                if s > self.last:
                    self.last = s
                continue
            if typ not in EVENT_TYPES:
                if typ == "error":
                    self.errors.append(m.get("error"))
                continue
            seq = m.get("seq")
            if not isinstance(seq, int):
                self.errors.append({"no_seq": typ})
                continue
            if resuming:
                # Until the resumed stream starts (the first seq not
                # above the connection's state and earlier pushes),
                # events are live pushes the resume may repeat once.
                limit = max([s_init] + pre)
                if seq > limit:
                    pre.append(seq)
                    self.deliver(m, conn)
                    self.pre_allowed.add(seq)
                    continue
                resuming = False
                prev = None
            if prev is not None and seq <= prev:
                self.reorders.append([prev, seq])
            prev = seq
            self.deliver(m, conn)
            if self.target_reached():
                return
        # a close with 1000/1001 ends the loop without an exception
        self.closes.append({"t": time.time(), "code": ws.close_code})

    def target_reached(self):
        t = self.shared.get("target")
        return t is not None and self.complete_upto is not None and \
            self.complete_upto >= t

    async def run(self, deadline):
        backoff = 0.1
        while not self.shared["stop"] and time.time() < deadline:
            try:
                await self.session()
            except (OSError, asyncio.TimeoutError,
                    websockets.exceptions.WebSocketException) as e:
                code = None
                if getattr(e, "rcvd", None) is not None:
                    code = e.rcvd.code
                elif isinstance(e, websockets.exceptions.ConnectionClosed):
                    code = "no close frame"
                if code is not None:
                    self.closes.append({"t": time.time(), "code": code})
                    backoff = 0.1
                else:
                    self.connect_failures += 1
            if self.target_reached():
                return
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)

    def report(self):
        missing = []
        target = self.shared.get("target")
        if self.start is not None:
            hi = target if target is not None else (self.last or 0)
            missing = [s for s in range(self.start, hi + 1)
                       if s not in self.received]
        return {
            "name": self.name, "url": self.url, "start": self.start,
            "last": self.last, "complete_upto": self.complete_upto,
            "target": target, "done": self.done,
            "received": len(self.received), "missing_count": len(missing),
            "missing_sample": missing[:20], "dups": self.dups[:50],
            "dup_count": len(self.dups), "reorders": self.reorders[:50],
            "reorder_count": len(self.reorders), "resets": self.resets,
            "gaps": self.gaps, "errors": self.errors[:20],
            "closes": self.closes, "connects": self.connects,
            "connect_failures": self.connect_failures,
            "resumes": self.resumes, "greetings": self.greetings,
            "anchor": self.anchor,
            "events": self.events, "records": self.records,
        }


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", action="append", required=True,
                    help="NAME=ws://... (repeat for several edges)")
    ap.add_argument("--per-url", type=int, default=2)
    ap.add_argument("--no-logs", action="store_true")
    ap.add_argument("--inband", action="store_true",
                    help="resume in band after the greeting (original front end)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--ready-file")
    ap.add_argument("--target-file", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--grace", type=float, default=20,
                    help="seconds the clients get once the target is known")
    a = ap.parse_args()

    shared = {"stop": False, "target": None}
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: shared.update(stop=True))
    clients = []
    for spec in a.url:
        name, url = spec.split("=", 1)
        for i in range(a.per_url):
            clients.append(Client("%s.%d" % (name, i), url, not a.no_logs,
                                  shared, a.inband))
    deadline = time.time() + a.timeout
    tasks = [asyncio.create_task(c.run(deadline)) for c in clients]

    grace = [0.0]

    async def watch():
        if a.ready_file:
            if not a.no_logs:
                await asyncio.wait_for(
                    asyncio.gather(*(c.ready.wait() for c in clients)),
                    max(1, deadline - time.time()))
            else:
                while any(c.start is None for c in clients):
                    await asyncio.sleep(0.05)
            with open(a.ready_file, "w") as f:
                f.write("ready\n")
        while not shared["stop"] and time.time() < deadline:
            if shared["target"] is None and os.path.exists(a.target_file):
                with open(a.target_file) as f:
                    txt = f.read().strip()
                if txt:
                    shared["target"] = int(txt)
                    # the final seq is known: whoever is not whole within
                    # the grace period is not going to be
                    grace[0] = time.time() + a.grace
            if grace[0] and time.time() > grace[0]:
                return
            if shared["target"] is not None and \
                    all(c.target_reached() for c in clients):
                return
            await asyncio.sleep(0.1)

    try:
        await watch()
    except asyncio.TimeoutError:
        pass
    shared["stop"] = True
    for c in clients:
        c.done = c.target_reached()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    rep = {"clients": [c.report() for c in clients],
           "timed_out": time.time() >= deadline}
    with open(a.out + ".tmp", "w") as f:
        json.dump(rep, f)
    os.rename(a.out + ".tmp", a.out)
    ok = all(c.done for c in clients)
    print("wsclient: %d clients, %s" % (len(clients),
          "all reached the target" if ok else "NOT all reached the target"),
          file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
