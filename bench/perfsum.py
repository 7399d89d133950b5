#!/usr/bin/python3
"""perfsum.py PERF_DATA SECONDS EVENTS [NAME=PID ...]: where the CPU went.

Reads a system-wide `perf record -a` file (no call graphs needed) through
`perf script`, groups the samples by process, and prints one JSON object:

  {"samples": N, "hz": F, "cpus": C, "seconds": S, "events": E,
   "procs": [{"name": "flowhub-edge", "share": 0.23, "kernel": 0.61,
              "us_per_event": 1.9, "top": [["edge_buf_add", 0.07], ...]},
             ...]}

share: the process's part of every sample taken on every CPU (so the
shares of a 2-CPU machine that is fully busy add up to 1, idle counted
as "swapper"); kernel: the part of the process's samples spent in the
kernel; us_per_event: the process's CPU time divided by the events the
run delivered; top: the five user-space symbols with the largest part of
the process's samples.  Samples are grouped by process, so NNG's and
lws's threads count with the hub or edge that owns them; each NAME=PID
names one process of the run, every other process counts as "other work
on the machine" and the idle task as "idle".
"""
import collections
import json
import os
import subprocess
import sys


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    data, seconds, events = argv[1], float(argv[2]), int(argv[3])
    roles = {}
    for kv in argv[4:]:
        name, _, pid = kv.rpartition("=")
        if name and pid.isdigit():
            roles[pid] = name
    p = subprocess.run(["perf", "script", "-i", data, "-G",
                        "-F", "pid,tid,comm,ip,sym,dso"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f"perfsum: perf script failed: {p.stderr.strip()}", file=sys.stderr)
        return 1
    total = 0
    per = collections.Counter()
    kern = collections.Counter()
    syms = collections.defaultdict(collections.Counter)
    names = {}
    thread_names = {}
    for line in p.stdout.splitlines():
        # "  comm  pid/tid  ip sym (dso)" -- comm may contain spaces
        parts = line.split()
        if not parts:
            continue
        idx = next((i for i, t in enumerate(parts) if "/" in t and
                    t.split("/")[0].isdigit()), None)
        if idx is None:
            continue
        comm = " ".join(parts[:idx])
        pid, tid = parts[idx].split("/", 1)
        rest = " ".join(parts[idx + 2:])
        sym, _, dso = rest.rpartition(" (")
        dso = dso.rstrip(")")
        total += 1
        per[pid] += 1
        if pid == tid:
            names[pid] = comm
        thread_names.setdefault(pid, comm)
        if "kernel" in dso or dso.startswith("[k"):
            kern[pid] += 1
        else:
            syms[pid][sym or "?"] += 1
    if total == 0:
        print("perfsum: no samples", file=sys.stderr)
        return 1
    cpus = os.cpu_count() or 1
    procs = []
    merged = collections.OrderedDict()
    for pid, n in per.most_common():
        if pid == "0":
            name = "idle"
        elif roles:
            name = roles.get(pid, "other work on the machine")
        else:
            name = names.get(pid) or thread_names.get(pid, "?")
        m = merged.setdefault(name, {"n": 0, "k": 0, "syms": collections.Counter()})
        m["n"] += n
        m["k"] += kern[pid]
        m["syms"].update(syms[pid])
    for name, m in merged.items():
        share = m["n"] / total
        procs.append({
            "name": name,
            "share": round(share, 4),
            "kernel": round(m["k"] / m["n"], 3),
            "us_per_event": (round(share * cpus * seconds * 1e6 / events, 3)
                             if events and name in roles.values() else None),
            "top": [[s, round(c / m["n"], 3)] for s, c in m["syms"].most_common(5)],
        })
    json.dump({"samples": total, "cpus": cpus, "seconds": seconds,
               "events": events, "procs": procs}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
