"""Bad client input (see edge_badinput.sh)."""
import sys

from websockets.frames import OP_TEXT

from edgeclient import Client, check, run

URL = sys.argv[1]


async def error_rows(c):
    rows = [
        ("not json", "invalid_json", None),
        ("[1,2]", "invalid_message", None),
        ("{}", "invalid_message", None),
        ('{"type": 3}', "invalid_message", None),
        ('{"type": "fly"}', "unknown_type", None),
        ('{"type": "subscribe_logs", "filters": {"level": ["loud"]}}',
         "invalid_field", "filters.level"),
        ('{"type": "subscribe_logs", "filters": {"tag": 5}}',
         "invalid_field", "filters.tag"),
        ('{"type": "resume", "since": "x"}', "invalid_field", "since"),
        ('{"type": "resume", "since": -4}', "invalid_field", "since"),
        ('{"type": "hardware_health_update", "data": {"component": "p",'
         ' "status": "melted"}}', "invalid_field", "data.status"),
    ]
    for text, code, field in rows:
        await c.send(text)
        m = await c.expect("error")
        check(m["error"]["code"] == code,
              f"{text!r}: code {m['error']['code']} want {code}")
        check(m["error"].get("field") == field,
              f"{text!r}: field {m['error'].get('field')} want {field}")
    # still open and serving
    await c.send({"type": "ping"})
    await c.expect("pong")


async def main():
    other = await Client(URL, "bystander").connect()
    await other.expect("initial_execution_state")

    c = await Client(URL, "rows").connect()
    await c.expect("initial_execution_state")
    await error_rows(c)
    # fragments are reassembled into one message
    await c.ws.send(iter(['{"type":', ' "pi', 'ng"}']))
    await c.expect("pong")
    await c.close()

    # over --max-frame (1024) in one frame, then in fragments
    for how in ("frame", "fragments"):
        c = await Client(URL, "big-" + how).connect()
        await c.expect("initial_execution_state")
        big = '{"type":"ping","pad":"' + "x" * 1100 + '"}'
        if how == "frame":
            await c.send(big)
        else:
            await c.ws.send(iter([big[:600], big[600:]]))
        code, _ = await c.closed()
        check(code == 1009, f"{how} over the limit: close {code}, want 1009")

    # a message just under the limit is fine
    c = await Client(URL, "fits").connect()
    await c.expect("initial_execution_state")
    await c.send('{"type":"ping","pad":"' + "x" * 900 + '"}')
    await c.expect("pong")
    await c.close()

    c = await Client(URL, "binary").connect()
    await c.expect("initial_execution_state")
    await c.ws.send(b'{"type":"ping"}')
    code, _ = await c.closed()
    check(code == 1003, f"binary: close {code}, want 1003")

    c = await Client(URL, "utf8").connect()
    await c.expect("initial_execution_state")
    await c.ws.write_frame(True, OP_TEXT, b'{"type":"ping","x":"\xff\xfe"}')
    code, _ = await c.closed()
    check(code == 1007, f"invalid UTF-8: close {code}, want 1007")

    # rate limit 20/s, burst 40: a flood gets rate_limited errors, then
    # 1008 once it has gone on past another burst's worth
    c = await Client(URL, "flood").connect()
    await c.expect("initial_execution_state")
    for _ in range(120):
        await c.send({"type": "ping"})
    code, _ = await c.closed()
    check(code == 1008, f"flood: close {code}, want 1008")
    limited = [m for m in c.seen if m["type"] == "error"
               and m["error"]["code"] == "rate_limited"]
    pongs = [m for m in c.seen if m["type"] == "pong"]
    check(limited, "flood: no rate_limited error before the close")
    check(40 <= len(pongs) <= 45, f"flood: {len(pongs)} pongs, burst is 40")

    # the bystander never noticed
    await other.send({"type": "ping"})
    await other.expect("pong")
    check(not any(m["type"] == "error" for m in other.seen),
          "bystander got an error")
    await other.close()

run(main)
