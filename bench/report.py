#!/usr/bin/python3
"""Summarise bench/run results: medians per system and scenario, ratios
flowhub / baseline, the "End to end" section of doc/performance.md and
the PNG plots (gnuplot).

    report.py RESULTS.jsonl MACHINE.json CMDLINE RUNS [--doc FILE] [--plots DIR]
    report.py --judge RESULTS.jsonl     (did the last run keep up?)

Without --doc the section is printed on stdout.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

SCENARIOS = [
    ("one", "1 client, as fast as it keeps up"),
    ("sat100-e1", "100 clients, 1 edge"),
    ("sat100-e2", "100 clients, 2 edges"),
    ("sat1000-e1", "1000 clients, 1 edge"),
    ("sat1000-e2", "1000 clients, 2 edges"),
    ("c100", "100 clients, 1000 events/s"),
    ("c1000", "1000 clients, 100 events/s"),
    ("c100-e2", "100 clients, 1000 events/s, 2 edges"),
    ("c1000-e2", "1000 clients, 100 events/s, 2 edges"),
    ("flood", "1 client, producer unpaced"),
]
FIXED = ["c100", "c1000", "c100-e2", "c1000-e2", "flood"]
BASE_FOR = {"sat100-e2": "sat100-e1", "sat1000-e2": "sat1000-e1",
            "c100-e2": "c100", "c1000-e2": "c1000"}


LADDERS = {"one", "sat100-e1", "sat100-e2", "sat1000-e1", "sat1000-e2"}


def judge(r):
    """Why run R did not keep up, or "" when it did: every client stayed
    connected and saw every event in order, the producer reached 95 % of
    the asked rate and p99 latency stayed under 500 ms."""
    w = r.get("wsload") or {}
    e = r.get("emitload") or {}
    why = []
    closed = {k: v for k, v in (w.get("closed") or {}).items() if v}
    if closed:
        why.append("clients closed " + ", ".join(f"{v}×{k}" for k, v in closed.items()))
    if sum((w.get("connect_failed") or {}).values()) or w.get("connected") != r["clients"]:
        why.append("connect failures")
    s = w.get("seq") or {}
    if s.get("gaps") or s.get("duplicates") or s.get("reorders"):
        why.append(f"seq gaps {s.get('gaps')} dup {s.get('duplicates')} reorder {s.get('reorders')}")
    if (w.get("per_client_events") or {}).get("min", 0) < (e.get("emitted") or 0):
        why.append("a client missed events")
    if (e.get("achieved_per_s") or 0) < 0.95 * r["rate"]:
        why.append(f"producer held back to {e.get('achieved_per_s') or 0:,.0f}/s")
    p99 = (w.get("latency_us") or {}).get("p99", 0)
    if p99 > 500000:
        k = r.get("kernel") or {}
        net = (f" with {k.get('tcp_retrans', 0):,} TCP retransmissions and "
               f"{k.get('netdev_drops', 0):,} packets dropped by the kernel"
               if k else "")
        wo = w.get("worst") or {}
        at = (f", the slowest event {wo['latency_us'] / 1000:,.0f} ms, "
              f"{wo['at_s']:.2f} s after the first" if wo.get("latency_us") else "")
        why.append(f"p99 {p99 / 1000:,.0f} ms{net}{at}")
    return "; ".join(why)


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def fmt(v, unit="", prec=None):
    if v is None:
        return "n/a"
    if prec is None:
        prec = 0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2
    return f"{v:,.{prec}f}{unit}"


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    print(f"report: skipping a bad line: {e}", file=sys.stderr)
    return rows


def summarise(rows):
    groups = {}
    failed_because = {}
    ladder = {}
    for r in rows:
        key = (r["system"], r["scenario"])
        if r["scenario"] in LADDERS:
            ladder.setdefault(key, {}).setdefault(r["run"], []).append(r)
        else:
            groups.setdefault(key, []).append(r)
    # A ladder contributes, per run, its highest passing step; a run where
    # even the lowest step failed counts as rate 0 and adds no metrics.
    ladder_rates = {}
    best = {}
    for key, byrun in ladder.items():
        fails = []
        for run in sorted(byrun):
            steps = byrun[run]
            ok = [x for x in steps if not judge(x)]
            bad = [x for x in steps if judge(x)]
            ladder_rates.setdefault(key, []).append(
                max(x["rate"] for x in ok) if ok else 0)
            if ok:
                best.setdefault(key, []).append(max(ok, key=lambda x: x["rate"]))
            if bad:
                fails.append(min(bad, key=lambda x: x["rate"]))
        if fails:
            rates = " / ".join(f"{x['rate']:,}" for x in fails)
            failed_because[key] = f"{rates} ev/s (last: {judge(fails[-1])})"
        # Latency and delivered come from the runs whose best step is the
        # median one, so a row's figures belong together.
        m = med(ladder_rates[key])
        rows_at = [x for x in best.get(key, []) if x["rate"] == m]
        groups[key] = rows_at if m else []
    out = {}
    for key, rs in groups.items():
        w = [r.get("wsload") or {} for r in rs]
        e = [r.get("emitload") or {} for r in rs]

        def m(path, src=w):
            return med([get(x, path) for x in src])

        def total(path, src=w):
            vals = [get(x, path) for x in src]
            return sum(v for v in vals if v is not None)

        rate = med(ladder_rates[key]) if key in ladder_rates else (rs[0]["rate"] if rs else None)
        if not rs:
            out[key] = {"runs": 0, "rate": 0, "sustained": False,
                        "failed_because": failed_because.get(key),
                        "delivered": None, "p50": None, "p99": None, "p999": None}
            continue
        out[key] = {
            "runs": len(rs),
            "rate": rate,
            "sustained": bool(rate),
            "failed_because": failed_because.get(key),
            "clients": rs[0]["clients"],
            "edges": rs[0]["edges"],
            "delivered": m("delivered_per_s"),
            "p50": m("latency_us.p50"),
            "p99": m("latency_us.p99"),
            "p999": m("latency_us.p999"),
            "max": m("latency_us.max"),
            "emitted_per_s": m("achieved_per_s", e),
            "emitted": m("emitted", e),
            "emit_p50_us": (lambda v: v / 1000.0 if v is not None else None)(m("emit_ns.p50", e)),
            "emit_p99_us": (lambda v: v / 1000.0 if v is not None else None)(m("emit_ns.p99", e)),
            "full": total("full", e),
            "min_events": m("per_client_events.min"),
            "gaps": total("seq.gaps"),
            "missing": total("seq.missing"),
            "dups": total("seq.duplicates"),
            "reorders": total("seq.reorders"),
            "gap_msgs": total("seq.gap_messages"),
            "resyncs": total("seq.state_resyncs"),
            "closed": sum(sum((x.get("closed") or {}).values()) for x in w),
            "failed": sum(sum((x.get("connect_failed") or {}).values()) for x in w),
            "connected": m("connected"),
            "connect_per_s": m("connect_per_s"),
            "hs_p99": m("handshake_ms.p99"),
            "rss_per_conn": m("rss_per_conn_bytes"),
            "rss_conn_kb": m("server_rss_kb.connected"),
            "rss_before_kb": m("server_rss_kb.before"),
        }
    return out


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def profile_section(rows):
    """Where the time goes: the perf summary of each system's profile run."""
    profs = [r for r in rows if r.get("scenario") == "profile" and r.get("profile")]
    if not profs:
        return []
    L = []
    rate = profs[0]["rate"]
    L.append(f"### Where the time goes (1 client, {rate:,} events/s)")
    L.append("")
    L.append("`perf record -a -F 999` over the whole machine while the producer "
             "runs (bench/perfsum.py groups the samples by process; a process's "
             "NNG and lws threads count with it). Share = part of all CPU time "
             "of the machine; µs/event = the process's CPU time per event "
             "delivered; kernel = the part of it spent in the kernel (system "
             "calls, TCP on loopback, wake-ups).")
    L.append("")
    L.append("| system | process | share of machine | CPU µs/event | kernel | top user-space symbols |")
    L.append("|---|---|---:|---:|---:|---|")
    for r in profs:
        p = r["profile"]
        for q in p["procs"]:
            if q["share"] < 0.01:
                continue
            top = ", ".join(f"{s} {c * 100:.0f}%" for s, c in q["top"][:4]
                            if s not in ("[unknown]", "?")) or "—"
            if q["us_per_event"] is None:
                top = "—"
            L.append(f"| {r['system']} | {q['name']} | {q['share'] * 100:.1f}% | "
                     f"{fmt(q['us_per_event'])} | {q['kernel'] * 100:.0f}% | {top} |")
    L.append("")
    return L


def section(S, info, cmdline, runs, rows=()):
    L = []
    L.append("## End to end")
    L.append("")
    L.append("flowhub (hub + flowhub-edge, fed through the shared-memory ring by "
             "`bench/emitload`) against the baseline it replaces (one Node.js "
             "process with `ws`, a WebSocketManager broadcasting "
             "`JSON.stringify`'d events, fed the same events as JSON lines on "
             "stdin by `bench/emitload --json`). Clients are `bench/wsload` "
             "(C, epoll, 2 threads). Every event carries the producer's "
             "CLOCK_REALTIME stamp; latency is producer emit → client "
             "receive of the whole message. Everything runs on the same "
             "machine: producer, servers and load tool share its "
             f"{info.get('cores')} cores, so the figures are lower bounds for a "
             "machine where the clients live elsewhere.")
    L.append("")
    L.append(f"Generated by `{cmdline}` on {info.get('date')} "
             f"(median of {runs} run{'s' if str(runs) != '1' else ''} per row; "
             "fresh servers for every run).")
    L.append("")
    L.append(f"- Machine: {info.get('cpu')}, {info.get('cores')} cores, "
             f"{info.get('mem_gb')} GiB, {info.get('os')}, Linux {info.get('kernel')}. "
             "The machine was shared: other engineers' builds, tests and "
             "benchmarks ran at the same time (load average "
             + (f"{info.get('load_start')} when the runs started, " if info.get('load_start') else "")
             + f"{info.get('load')} when they ended"
             + (f"; the runs took {info.get('minutes')} min" if info.get('minutes') else "")
             + "), so single runs vary widely and medians are what to read.")
    L.append(f"- Versions: {info.get('flowhub') or 'flowhub'} (commit {info.get('commit')}), "
             f"libwebsockets {info.get('libwebsockets')}, NNG {info.get('nng')}, "
             f"{info.get('gcc')}; baseline: Node.js {info.get('node')}, ws {info.get('ws')}")
    L.append("")
    L.append("### Highest sustained rate")
    L.append("")
    L.append("The producer's rate rises step by step (3 s per step) until a "
             "step fails: a client closed or not connected, a seq gap, "
             "duplicate or reorder, a client missing an event, the producer "
             "held back below 95 % of the asked rate, or p99 latency above "
             "500 ms. Sustained = the median over runs of each run's last "
             "passing step; delivered and latency are those of the runs whose "
             "last passing step is that median; the last column lists the "
             "failing step of each run that failed one (a run that passed the "
             "top step lists nothing), and why the last of them failed.")
    L.append("")
    L.append("| scenario | system | sustained ev/s | delivered msg/s | p50 ms | "
             "p99 ms | p99.9 ms | failed at |")
    L.append("|---|---|---:|---:|---:|---:|---:|---|")
    for sc, title in SCENARIOS:
        if sc not in LADDERS:
            continue
        for sysname in ("flowhub", "baseline"):
            r = S.get((sysname, sc))
            if not r:
                continue
            rate = fmt(r["rate"]) if r["sustained"] else "none"
            L.append(f"| {title} | {sysname} | {rate} | {fmt(r['delivered'])} | "
                     f"{fmt(ms(r['p50']))} | {fmt(ms(r['p99']))} | {fmt(ms(r['p999']))} | "
                     f"{r['failed_because'] or 'never (top of the ladder)'} |")
    L.append("")
    L.append("### Fixed rates")
    L.append("")
    L.append("| scenario | system | delivered msg/s | emitted ev/s | p50 ms | p99 ms | "
             "p99.9 ms | max ms | emit call p50 / p99 µs | seq gaps (missing) / dup / reorder / resync | closed / failed |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for sc, title in SCENARIOS:
        if sc not in FIXED:
            continue
        for sysname in ("flowhub", "baseline"):
            r = S.get((sysname, sc))
            if not r:
                continue
            L.append(f"| {title} | {sysname} | {fmt(r['delivered'])} | "
                     f"{fmt(r['emitted_per_s'])} | {fmt(ms(r['p50']))} | "
                     f"{fmt(ms(r['p99']))} | {fmt(ms(r['p999']))} | {fmt(ms(r['max']))} | "
                     f"{fmt(r['emit_p50_us'])} / {fmt(r['emit_p99_us'])} | "
                     f"{r['gaps']} ({r['missing']}) / {r['dups']} / {r['reorders']} / {r['resyncs']} | "
                     f"{r['closed']} / {r['failed']} |")
    L.append("")
    L.append("Delivered = event messages received by all clients together per "
             "second, from the first to the last one. Emit call = how long the "
             "producer's emit took (flowhub: the shmring_emit_* call, a futex "
             "wake included when the hub was asleep; baseline: the write(2) of "
             "the JSON line into node's stdin). Emitted = events the "
             "producer got into the ring (flowhub) or the pipe (baseline) per "
             "second; the baseline's pipe pushes back when node falls behind, "
             "so it may emit less than asked. The seq column adds up all runs "
             "and clients: gaps (seqs never seen), duplicates, reorders, and "
             "resyncs (a fresh initial_execution_state mid-stream, which "
             "stands for the events it covers). Closed = connections the "
             "server closed (1013 for a client whose queue overflowed). The "
             "unpaced flood shows what each design does when the producer "
             "outruns it: flowhub closes the client with 1013 once its queue "
             "passes the limit (it reconnects and resumes), the baseline "
             "buffers without bound and its latency grows.")
    L.append("")
    L.append("### flowhub against the baseline")
    L.append("")
    L.append("Sustained rows compare the highest sustained throughput (the two-edge "
             "rows against the one Node.js process); fixed-rate rows compare "
             "latency at the same load (above 1 = flowhub better).")
    L.append("")
    L.append("| scenario | throughput flowhub / baseline | p50 baseline / flowhub | "
             "p99 baseline / flowhub |")
    L.append("|---|---:|---:|---:|")
    for sc, title in SCENARIOS:
        f = S.get(("flowhub", sc))
        b = S.get(("baseline", BASE_FOR.get(sc, sc)))
        if not f or not b or sc == "flood":
            continue
        if sc in LADDERS:  # different rates: latency ratios mean nothing
            L.append(f"| {title} | {fmt(ratio(f['delivered'], b['delivered']), '×')} | — | — |")
        else:
            L.append(f"| {title} | {fmt(ratio(f['delivered'], b['delivered']), '×')} | "
                     f"{fmt(ratio(b['p50'], f['p50']), '×')} | "
                     f"{fmt(ratio(b['p99'], f['p99']), '×')} |")
    L.append("")
    L.extend(profile_section(rows))
    idle = [(s, S.get((s, "idle"))) for s in ("flowhub", "baseline")]
    if any(r for _, r in idle):
        L.append("### Idle subscribed connections")
        L.append("")
        L.append("| system | connected | failed (all runs) | connects/s | handshake p99 ms | "
                 "server RSS before → connected MiB | RSS per connection KiB |")
        L.append("|---|---:|---:|---:|---:|---|---:|")
        for s, r in idle:
            if not r:
                continue
            L.append(f"| {s} | {fmt(r['connected'])} | {r['failed']} | "
                     f"{fmt(r['connect_per_s'])} | {fmt(r['hs_p99'])} | "
                     f"{fmt(kb_mib(r['rss_before_kb']))} → {fmt(kb_mib(r['rss_conn_kb']))} | "
                     f"{fmt(r['rss_per_conn'] / 1024 if r['rss_per_conn'] is not None else None)} |")
        L.append("")
        L.append("wsload opens the connections at up to 10 000/s from 127.0.0.1 … "
                 "127.0.0.N, each sends `subscribe_logs` and stays idle; RSS is "
                 "read from /proc/PID/status two seconds after the last connect "
                 "(flowhub: the edge process only; the hub does not grow with "
                 "clients).")
        L.append("")
    L.append("### How to reproduce")
    L.append("")
    L.append("```")
    L.append("FLOWHUB_BUILD=$PWD/_build ./tools/build && make -C _build bench")
    L.append("bench/run            # all scenarios, 3 runs: writes this section and doc/plots/")
    L.append("bench/run --quick    # one short run of each")
    L.append("# one scenario by hand (flowhub started as in bench/run):")
    L.append("_build/bench/wsload -u ws://127.0.0.1:5000/ws/flow -c 100 -i 1500 -R /tmp/ready &")
    L.append("_build/bench/emitload -r /flowhub -w -R 1000 -d 10")
    L.append("```")
    L.append("")
    L.append("![latency](plots/e2e-latency.png)")
    L.append("![throughput](plots/e2e-throughput.png)")
    L.append("")
    return "\n".join(L)


def ms(us):
    return None if us is None else us / 1000.0


def kb_mib(kb):
    return None if kb is None or kb < 0 else kb / 1024.0


def write_doc(path, text):
    old = open(path).read() if os.path.exists(path) else "# Performance\n"
    m = re.search(r"^## End to end\s*$", old, re.M)
    if m:
        n = re.search(r"^## ", old[m.end():], re.M)
        end = m.end() + n.start() if n else len(old)
        new = old[:m.start()] + text + ("\n" + old[end:] if n else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    with open(path, "w") as f:
        f.write(new.rstrip("\n") + "\n")


def plots(S, outdir):
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory() as td:
        lat = os.path.join(td, "lat.dat")
        with open(lat, "w") as f:
            for sc in ("c100", "c1000"):
                for s in ("flowhub", "baseline"):
                    r = S.get((s, sc))
                    if r and r["p50"]:
                        f.write(f"\"{sc}\\n{s}\" {ms(r['p50'])} {ms(r['p99'])} {ms(r['p999'])}\n")
        thr = os.path.join(td, "thr.dat")
        with open(thr, "w") as f:
            f.write("\"1 client\" " + " ".join(
                str(v["delivered"] if v and v["delivered"] else 0) for v in
                [S.get(("flowhub", "one")), None, S.get(("baseline", "one"))]) + "\n")
            for c in ("100", "1000"):
                vals = [S.get(("flowhub", f"sat{c}-e1")), S.get(("flowhub", f"sat{c}-e2")),
                        S.get(("baseline", f"sat{c}-e1"))]
                f.write(f"\"{c} clients\" " + " ".join(
                    str(v["delivered"] if v and v["delivered"] else 0) for v in vals) + "\n")
        gp = f"""
set terminal pngcairo size 900,500 font ',10' noenhanced
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside bottom center horizontal
set grid ytics
set bmargin 4
set output '{outdir}/e2e-latency.png'
set title 'End-to-end latency, producer to client (median of runs)'
set ylabel 'ms (log scale)'
set logscale y
plot '{lat}' using 2:xtic(1) title 'p50', '' using 3 title 'p99', '' using 4 title 'p99.9'
unset logscale y
set output '{outdir}/e2e-throughput.png'
set title 'Highest sustained rate: messages delivered to all clients per second'
set ylabel 'messages/s'
set format y '%.0s%c'
plot '{thr}' using 2:xtic(1) title 'flowhub, 1 edge', '' using 3 title 'flowhub, 2 edges', '' using 4 title 'Node.js baseline'
"""
        gpf = os.path.join(td, "plot.gp")
        with open(gpf, "w") as f:
            f.write(gp)
        r = subprocess.run(["gnuplot", gpf], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"report: gnuplot failed: {r.stderr}", file=sys.stderr)


def main(argv):
    if len(argv) == 3 and argv[1] == "--judge":
        # The verdict on the last run of a results file, for bench/run.
        print(judge(load(argv[2])[-1]) or "pass")
        return 0
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    rows = load(argv[1])
    info = json.load(open(argv[2]))
    cmdline, runs = argv[3], argv[4]
    doc = plotdir = None
    rest = argv[5:]
    while rest:
        if rest[0] == "--doc":
            doc = rest[1]
        elif rest[0] == "--plots":
            plotdir = rest[1]
        rest = rest[2:]
    S = summarise(rows)
    text = section(S, info, cmdline, runs, rows)
    if doc:
        write_doc(doc, text)
    else:
        print(text)
    if plotdir:
        plots(S, plotdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
