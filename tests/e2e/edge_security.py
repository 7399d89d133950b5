"""Origins, tokens, limits and SIGTERM (see edge_security.sh)."""
import asyncio
import os
import signal
import sys
import urllib.request

import websockets

from edgeclient import Client, check, run

PORT_D, PORT_T, PORT_L, PID_D = map(int, sys.argv[1:5])


def url(port, q=""):
    return f"ws://127.0.0.1:{port}/ws/flow{q}"


async def refused(u, status, **kw):
    try:
        ws = await websockets.connect(u, **kw)
    except websockets.InvalidStatusCode as e:
        check(e.status_code == status, f"{u} {kw}: status {e.status_code}, want {status}")
        return
    await ws.close()
    check(False, f"{u} {kw}: accepted, want {status}")


async def accepted(u, **kw):
    c = await Client(u, "ok").connect(**kw)
    await c.expect("initial_execution_state")
    return c


async def main():
    # Origin: default = same host as Host
    await refused(url(PORT_D), 403, origin="http://evil.example")
    c = await accepted(url(PORT_D), origin=f"http://127.0.0.1:{PORT_D}")
    await c.close()
    c = await accepted(url(PORT_D))  # no Origin: not a browser
    await c.close()
    # wrong path
    await refused(f"ws://127.0.0.1:{PORT_D}/ws/other", 404)

    # tokens (and the allowlist of the same edge)
    good = "http://good.example"
    await refused(url(PORT_T), 401, origin=good)
    await refused(url(PORT_T, "?token=nope"), 401, origin=good)
    await refused(url(PORT_T), 401, origin=good,
                  extra_headers={"Authorization": "Bearer wrong"})
    await refused(url(PORT_T, "?token=r3ad-T0ken"), 403, origin="http://bad.example")
    r = await accepted(url(PORT_T, "?token=r3ad-T0ken"), origin=good)
    b = await accepted(url(PORT_T), origin="https://also.example",
                       extra_headers={"Authorization": "Bearer r3ad-T0ken"})
    hw = {"type": "hardware_health_update",
          "data": {"component": "pump_9", "status": "fault", "details": {}}}
    await r.send(hw)
    m = await r.expect("error")
    check(m["error"]["code"] == "forbidden", f"read token may write: {m}")
    # the per-address limit (3) is reached now with r, b and w
    w = await accepted(url(PORT_T), origin=good,
                       extra_headers={"Authorization": "Bearer wr1te-T0ken"})
    await w.send(hw)
    m = await w.expect("error")  # no hub in this test: but not forbidden
    check(m["error"]["code"] == "hub_unavailable",
          f"write token refused: {m}")
    await refused(url(PORT_T, "?token=r3ad-T0ken"), 503, origin=good)
    await w.close()
    await asyncio.sleep(0.2)
    x = await accepted(url(PORT_T, "?token=wr1te-T0ken"), origin=good)
    for cl in (r, b, x):
        await cl.close()

    # max-clients 2
    l1 = await accepted(url(PORT_L))
    l2 = await accepted(url(PORT_L))
    await refused(url(PORT_L), 503)
    await l1.close()
    await l2.close()

    # REST and health without a hub
    for path, code in (("/healthz", 503),
                       ("/api/v1/execution-sessions/current-execution", 503)):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT_D}{path}")
            check(False, f"{path} answered 200 without a hub")
        except urllib.error.HTTPError as e:
            check(e.code == code, f"{path}: {e.code}")
            if "current" in path:
                body = e.read().decode()
                check('"hub_unavailable"' in body, f"{path}: {body}")
    # path traversal
    for bad in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd"):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT_D}{bad}")
            check(False, f"{bad} served")
        except urllib.error.HTTPError as e:
            check(e.code in (400, 403, 404), f"{bad}: {e.code}")

    # SIGTERM: every client gets 1001
    a = await accepted(url(PORT_D))
    a2 = await accepted(url(PORT_D))
    os.kill(PID_D, signal.SIGTERM)
    for cl in (a, a2):
        code, reason = await cl.closed()
        check(code == 1001, f"SIGTERM: close {code}, want 1001")

run(main)
