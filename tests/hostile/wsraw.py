"""Raw WebSocket and HTTP pieces for the hostile-client tests.

The well-behaved side of the tests uses the `websockets` library; a hostile
client has to do what no library lets it do (announce a 100 MiB frame and
stop, flood pre-built frames, never read), so it speaks the protocol by
hand over a plain socket: RFC 6455 handshake, masked client frames, and a
reader for the server's frames.
"""
import base64
import os
import socket
import struct
import time


def rss_kib(pid):
    """Resident set size of PID in KiB (VmRSS)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def upgrade_request(host, port, path="/ws/flow", origin=None, token=None,
                    extra=None):
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET %s HTTP/1.1" % path,
        "Host: %s:%d" % (host, port),
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: %s" % key,
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append("Origin: %s" % origin)
    if token is not None:
        lines.append("Authorization: Bearer %s" % token)
    for h in extra or []:
        lines.append(h)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_http_head(sock, limit=65536):
    """Read until the end of an HTTP response head; returns (status, head
    bytes, leftover bytes).  status is None if the peer closed first."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            return None, buf, b""
        buf += chunk
        if len(buf) > limit:
            raise RuntimeError("response head too long")
    head, rest = buf.split(b"\r\n\r\n", 1)
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = None
    return status, head, rest


def connect(host, port, src=None, origin=None, token=None, timeout=10,
            rcvbuf=None, path="/ws/flow"):
    """Open a WebSocket by hand.  Returns (sock, status, leftover)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect((host, port))
    s.sendall(upgrade_request(host, port, path=path, origin=origin,
                              token=token))
    status, _, rest = read_http_head(s)
    return s, status, rest


def frame(payload, opcode=1, fin=True, announce=None, mask=True):
    """A client frame.  ANNOUNCE overrides the length in the header (the
    payload given is sent as is), for frames that lie about their size."""
    n = len(payload) if announce is None else announce
    b0 = (0x80 if fin else 0) | opcode
    m = 0x80 if mask else 0
    if n < 126:
        hdr = struct.pack("!BB", b0, m | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, m | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, m | 127, n)
    if not mask:
        return hdr + payload
    key = os.urandom(4)
    # XOR with the key repeated: fast enough for test-sized payloads.
    k = (key * (len(payload) // 4 + 1))[:len(payload)]
    body = bytes(a ^ b for a, b in zip(payload, k)) if len(payload) < 4096 \
        else (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")
              ).to_bytes(len(payload), "big")
    return hdr + key + body


class Reader:
    """Incremental reader of server frames (unmasked)."""

    def __init__(self, sock, rest=b""):
        self.sock = sock
        self.buf = bytearray(rest)
        self.eof = False

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout()
        self.sock.settimeout(left)
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            self.eof = True
            raise EOFError()
        self.buf += chunk

    def next(self, timeout=10.0):
        """Returns (opcode, payload).  Raises EOFError at TCP close,
        socket.timeout, or ConnectionResetError on a reset."""
        deadline = time.monotonic() + timeout
        while True:
            b = self.buf
            if len(b) >= 2:
                n = b[1] & 0x7F
                off = 2
                if n == 126:
                    off = 4
                    if len(b) >= 4:
                        n = struct.unpack("!H", b[2:4])[0]
                elif n == 127:
                    off = 10
                    if len(b) >= 10:
                        n = struct.unpack("!Q", b[2:10])[0]
                if len(b) >= off and len(b) >= off + n:
                    op = b[0] & 0x0F
                    payload = bytes(b[off:off + n])
                    del b[:off + n]
                    return op, payload
            self._fill(deadline)

    def until_close(self, timeout=10.0):
        """Skip frames until a close frame; returns (code, reason, frames
        skipped), (None, "eof", n) when the TCP connection ended first or
        (None, "timeout", n) when nothing came within TIMEOUT s."""
        n = 0
        while True:
            try:
                op, p = self.next(timeout)
            except (EOFError, ConnectionResetError):
                return None, "eof", n
            except socket.timeout:
                return None, "timeout", n
            if op == 8:
                code = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else None
                return code, p[2:].decode("utf-8", "replace"), n
            n += 1


def http_get(host, port, path, timeout=5, src=None):
    """A tiny HTTP/1.1 GET (from source address SRC); returns (status,
    body)."""
    s = socket.create_connection((host, port), timeout=timeout,
                                 source_address=(src, 0) if src else None)
    try:
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n"
                   "\r\n" % (path, host, port)).encode())
        data = b""
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        if len(body) >= int(line.split(b":")[1]):
                            return int(head.split(b" ")[1]), body
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def metrics(host, port, src=None):
    """/metrics as {name{labels}: float}."""
    _, body = http_get(host, port, "/metrics", src=src)
    out = {}
    for line in body.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        k, _, v = line.rpartition(" ")
        try:
            out[k] = float(v)
        except ValueError:
            pass
    return out


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, int(round(p / 100.0 * (len(xs) - 1)))))
    return xs[i]
