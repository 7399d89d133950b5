"""Test helpers for flowhub-edge: a WebSocket client (the real
`websockets` library) that validates every server message against
doc/protocol.schema.json and checks stream order."""
import asyncio
import json
import os
import sys

import jsonschema
import websockets

_schema = json.load(open(os.environ["FLOWHUB_SCHEMA"]))
jsonschema.Draft202012Validator.check_schema(_schema)
SERVER = jsonschema.Draft202012Validator(
    {"$ref": "#/$defs/serverMessage", "$defs": _schema["$defs"]})
CLIENT = jsonschema.Draft202012Validator(
    {"$ref": "#/$defs/clientMessage", "$defs": _schema["$defs"]})

EVENT_TYPES = {"execution_started", "block_started_enhanced",
               "block_executed_enhanced", "execution_finished", "log_entry",
               "hardware_health_update", "gap"}


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Client:
    """One connection.  Every message received is validated and kept in
    `seen`; event seqs must strictly increase."""

    def __init__(self, url, name="c"):
        self.url = url
        self.name = name
        self.ws = None
        self.seen = []
        self.pending = []
        self.last_seq = 0
        self.validate = True

    async def connect(self, **kw):
        kw.setdefault("max_size", None)
        kw.setdefault("ping_interval", None)
        self.ws = await websockets.connect(self.url, **kw)
        return self

    async def send(self, obj):
        if isinstance(obj, dict) and obj.get("type") in (
                "identify_client", "ping", "request_initial_state",
                "subscribe_logs", "unsubscribe_logs", "resume"):
            CLIENT.validate(obj)
        await self.ws.send(json.dumps(obj) if isinstance(obj, dict) else obj)

    def _take(self, raw):
        m = json.loads(raw)
        if self.validate:
            try:
                SERVER.validate(m)
            except jsonschema.ValidationError as e:
                raise Failure(f"{self.name}: invalid message {raw[:300]}: "
                              f"{e.message} at {list(e.absolute_path)}")
        if m.get("type") in EVENT_TYPES:
            check(m["seq"] > self.last_seq,
                  f"{self.name}: seq {m['seq']} after {self.last_seq} "
                  f"({m['type']})")
            self.last_seq = m["seq"]
        elif m.get("type") == "initial_execution_state" and m["data"]:
            # the client's position becomes the state's
            self.last_seq = m["data"]["seq"]
        self.seen.append(m)
        return m

    async def recv(self, timeout=5.0):
        if self.pending:
            return self.pending.pop(0)
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        return self._take(raw)

    async def expect(self, mtype, timeout=5.0, pred=None):
        """Next message of MTYPE (matching PRED); others stay pending."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        for i, m in enumerate(self.pending):
            if m.get("type") == mtype and (pred is None or pred(m)):
                return self.pending.pop(i)
        while True:
            left = end - loop.time()
            if left <= 0:
                raise Failure(f"{self.name}: no {mtype} within {timeout}s")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except asyncio.TimeoutError:
                raise Failure(f"{self.name}: no {mtype} within {timeout}s")
            m = self._take(raw)
            if m.get("type") == mtype and (pred is None or pred(m)):
                return m
            self.pending.append(m)

    async def drain(self, quiet=1.0, limit=60.0):
        """Receive until nothing comes for QUIET seconds."""
        loop = asyncio.get_running_loop()
        end = loop.time() + limit
        while loop.time() < end:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), quiet)
            except asyncio.TimeoutError:
                return
            self.pending.append(self._take(raw))

    async def closed(self, timeout=5.0):
        """Wait for the server's close; returns (code, reason)."""
        try:
            while True:
                raw = await asyncio.wait_for(self.ws.recv(), timeout)
                self._take(raw)
        except websockets.ConnectionClosed as e:
            rcvd = e.rcvd
            check(rcvd is not None, f"{self.name}: closed without a close frame")
            return rcvd.code, rcvd.reason
        except asyncio.TimeoutError:
            raise Failure(f"{self.name}: not closed within {timeout}s")

    def events(self):
        return [m for m in self.seen if m.get("type") in EVENT_TYPES]

    async def close(self):
        if self.ws:
            await self.ws.close()


def run(main):
    try:
        asyncio.run(asyncio.wait_for(main(), 90))
    except Failure as e:
        print("FAIL:", e)
        sys.exit(1)
    except asyncio.TimeoutError:
        print("FAIL: script timed out")
        sys.exit(1)
    print("ok")
