"""Tokens and Origins at the upgrade (edge started with --read-token R,
--write-token W, --origin http://good.example).  Exit 1 on a violation."""
import json
import random
import socket
import statistics
import sys
import time

import wsraw

port = int(sys.argv[1])
rtok, wtok = sys.argv[2], sys.argv[3]
HOST = "127.0.0.1"
GOOD = "http://good.example"
ok = True


def upgrade(token=None, origin=GOOD, query=None):
    path = "/ws/flow" + ("?token=" + query if query is not None else "")
    s, st, rest = wsraw.connect(HOST, port, origin=origin, token=token, path=path)
    return s, st, rest


def expect(name, cond, detail):
    global ok
    print("%-45s %s %s" % (name, detail, "ok" if cond else "FAIL"))
    ok = ok and cond


for name, kw, want in [
        ("no token", {}, "4xx"),
        ("wrong token", {"token": "x" * len(rtok)}, "4xx"),
        ("read token with one char changed", {"token": rtok[:-1] + ("0" if rtok[-1] != "0" else "1")}, "4xx"),
        ("read token prefix only", {"token": rtok[:-1]}, "4xx"),
        ("read token + extra char", {"token": rtok + "a"}, "4xx"),
        ("empty bearer", {"token": ""}, "4xx"),
        ("read token, bad origin", {"token": rtok, "origin": "http://evil.example"}, 403),
        ("read token, origin null", {"token": rtok, "origin": "null"}, 403),
        ("read token, origin prefix-alike", {"token": rtok, "origin": "http://good.example.evil.example"}, 403),
        ("read token in header", {"token": rtok}, 101),
        ("read token in query", {"query": rtok}, 101),
        ("write token in header", {"token": wtok}, 101),
        ("wrong token in query", {"query": "nope"}, "4xx")]:
    s, st, rest = upgrade(**kw)
    good = (st == want) if want != "4xx" else (st is not None and 400 <= st < 500)
    expect(name, good, "-> %s (want %s)" % (st, want))
    s.close()

# hardware_health_update: forbidden with the read token, accepted with W.
for tok, want in ((rtok, "forbidden"), (wtok, None)):
    s, st, rest = upgrade(token=tok)
    rd = wsraw.Reader(s, rest)
    rd.next(5)
    s.sendall(wsraw.frame(json.dumps({"type": "hardware_health_update", "data": {
        "component": "pump_x", "status": "ok", "details": {}}}).encode()))
    got = None
    try:
        for _ in range(20):
            op, p = rd.next(2)
            m = json.loads(p)
            if m.get("type") == "error":
                got = m["error"].get("code")
                break
            if m.get("type") == "hardware_health_update":
                got = "broadcast"
                break
    except socket.timeout:
        pass
    if want == "forbidden":
        expect("hardware update with read token", got == "forbidden", "-> %s" % got)
    else:
        expect("hardware update with write token", got == "broadcast", "-> %s" % got)
    s.close()

# Timing: wrong tokens sharing 0 vs len-1 leading chars with the read
# token, interleaved at random.  Network noise hides nanoseconds, so this
# only catches a gross leak; tests/hostile/tokentime checks the compare
# itself in-process.
flip = lambda c: "0" if c != "0" else "1"
near = rtok[:-1] + flip(rtok[-1])
far = flip(rtok[0]) + rtok[1:]
samples = {"far": [], "near": []}
order = ["far", "near"] * 400
random.seed(1)
random.shuffle(order)
req = {k: wsraw.upgrade_request(HOST, port, origin=GOOD, token=v)
       for k, v in (("far", far), ("near", near))}
for k in order:
    s = socket.create_connection((HOST, port))
    t = time.perf_counter()
    s.sendall(req[k])
    st, _, _ = wsraw.read_http_head(s)
    samples[k].append((time.perf_counter() - t) * 1e6)
    s.close()
mf, mn = statistics.median(samples["far"]), statistics.median(samples["near"])
print("upgrade with wrong token: median %.1f us (differs at char 0), "
      "%.1f us (differs at char %d); n=%d each" % (mf, mn, len(rtok) - 1, len(samples["far"])))
expect("timing independent of matched prefix", abs(mn - mf) < 0.2 * min(mn, mf) + 20,
       "(|diff| %.1f us)" % abs(mn - mf))
sys.exit(0 if ok else 1)
