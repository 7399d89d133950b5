"""Test support for flowhub-edge: a WebSocket client (the real
`websockets` library) that validates every server message against
doc/protocol.schema.json and checks stream order."""
import asyncio
import json
import os
import subprocess
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
        self.states = []
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
        elif m.get("type") == "initial_execution_state":
            self.states.append(m)
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

    async def until_seq(self, seq, limit=30.0):
        """Receive until an event with SEQ or later arrived (or LIMIT s)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + limit
        while self.last_seq < seq and loop.time() < end:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), end - loop.time())
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

    async def subscribe_logs(self, filters):
        """Subscribe to the logs FILTERS match and wait for the answer."""
        await self.send({"type": "subscribe_logs", "filters": filters})
        return await self.expect("logs_subscribed")

    async def close(self):
        if self.ws:
            await self.ws.close()


async def start_emit(emit, ring, *args):
    """flowhub-emit (at EMIT) writing into RING.  With no ARGS it reads
    JSON lines from its stdin, which is then a pipe to write them to."""
    lines = not args
    return await asyncio.create_subprocess_exec(
        emit, "--ring", ring, *(args or ("-",)),
        stdin=subprocess.PIPE if lines else None, stderr=subprocess.DEVNULL)


async def feed_paced(stdin, count, pad, rate, block=50):
    """Write COUNT events to a flowhub-emit's STDIN, one JSON line each, and
    close it: block_started and block_executed by turns, each carrying PAD
    so that sockets fill.  Every BLOCK events the pipe is drained and the
    writer sleeps until RATE events a second would have been written, so
    the run keeps pace with the clock rather than with the emitter."""
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for i in range(count):
        if i % 2 == 0:
            ev = {"event": "block_started", "blockId": f"b{i}",
                  "blockType": "sensor_read", "displayText": pad}
        else:
            ev = {"event": "block_executed", "blockId": f"b{i - 1}",
                  "status": "completed", "result": {"pad": pad}}
        stdin.write((json.dumps(ev) + "\n").encode())
        if i % block == block - 1:
            await stdin.drain()
            await asyncio.sleep(max(0, t0 + (i + 1) / rate - loop.time()))
    stdin.close()


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


class Stalled:
    """A WebSocket client that does the opening handshake by hand and then
    never reads: the kind of client the per-client queue limit is for.
    A small receive buffer makes the back-pressure reach the edge soon."""

    def __init__(self, port, rcvbuf=4096):
        import base64
        import socket
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f"GET /ws/flow HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        f"Sec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.s.recv(1)
            check(chunk, "stalled client: no handshake answer")
            buf += chunk
        check(buf.startswith(b"HTTP/1.1 101"), f"stalled client: {buf[:40]!r}")

    def read_close(self, timeout=10.0):
        """Read everything now; return the close code the server sent (None
        when the connection ended without a close frame)."""
        import socket
        import time
        self.s.settimeout(0.5)
        data = b""
        end = time.time() + timeout
        while time.time() < end:
            try:
                chunk = self.s.recv(1 << 20)
            except socket.timeout:
                continue
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            code = self._close_code(data)
            if code is not None:
                return code
        code = self._close_code(data)
        if code is None:
            self.debug = f"{len(data)} bytes, ends {data[-20:]!r}"
        return code

    @staticmethod
    def _close_code(data):
        i = 0
        while i + 2 <= len(data):
            op = data[i] & 0x0F
            n = data[i + 1] & 0x7F
            j = i + 2
            if n == 126:
                if j + 2 > len(data):
                    return None
                n = int.from_bytes(data[j:j + 2], "big")
                j += 2
            elif n == 127:
                if j + 8 > len(data):
                    return None
                n = int.from_bytes(data[j:j + 8], "big")
                j += 8
            if j + n > len(data):
                return None
            if op == 0x8:
                return int.from_bytes(data[j:j + 2], "big") if n >= 2 else 1005
            i = j + n
        return None

    def close(self):
        self.s.close()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
