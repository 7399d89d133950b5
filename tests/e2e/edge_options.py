"""Config file, TLS, reuseport and keepalive (see edge_options.sh)."""
import asyncio
import ssl
import sys
import time

from edgeclient import Client, Stalled, check, run

PORT, PT, PR = map(int, sys.argv[1:4])


async def main():
    # keys from the file: id and max-frame
    c = await Client(f"ws://127.0.0.1:{PORT}/ws/flow", "conf").connect()
    await c.expect("initial_execution_state")
    await c.send({"type": "identify_client", "clientInfo": {"name": "n", "page": "p"}})
    m = await c.expect("client_identified")
    check("_fromconf_" in m["data"]["clientId"], f"id from the file: {m}")
    # under the limit but bigger than one receive chunk: reassembled
    await c.send('{"type":"ping","pad":"' + "y" * 1900 + '"}')
    await c.expect("pong")
    await c.send('{"type":"ping","pad":"' + "x" * 3000 + '"}')
    code, _ = await c.closed()
    check(code == 1009, f"max-frame from the file: close {code}")

    # keepalive: ping after 1 s of silence, hang up after 3 s
    alive = await Client(f"ws://127.0.0.1:{PORT}/ws/flow", "alive").connect()
    await alive.expect("initial_execution_state")
    mute = Stalled(PORT)
    t0 = time.time()
    code = await asyncio.get_running_loop().run_in_executor(
        None, mute.read_close, 12.0)
    waited = time.time() - t0
    check(2.0 <= waited <= 10.0, f"silent peer dropped after {waited:.1f}s")
    # the library client answers pings, so it is still there
    await alive.send({"type": "ping"})
    await alive.expect("pong")
    await alive.close()
    mute.close()

    if PT:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        t = await Client(f"wss://127.0.0.1:{PT}/ws/flow", "tls").connect(ssl=ctx)
        await t.expect("initial_execution_state")
        await t.send({"type": "ping"})
        await t.expect("pong")
        await t.close()

    ids = set()
    for i in range(24):
        r = await Client(f"ws://127.0.0.1:{PR}/ws/flow", f"rp{i}").connect()
        await r.expect("initial_execution_state")
        await r.send({"type": "identify_client"})
        m = await r.expect("client_identified")
        ids.add(m["data"]["clientId"].split("_")[2])
        await r.close()
    check(ids == {"r1", "r2"}, f"reuseport: clients reached {ids}")

run(main)
