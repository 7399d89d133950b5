# Shared set-up of flowhub's fault tests (sourced, bash).
#
# Each test runs the hub and a pool of edges under supervisord, filled from
# the installed program group (dist/supervisor/flowhub.conf.in) exactly as
# tools/demo does, so a killed daemon is restarted by supervisord itself.
# Everything is private to the run: a mktemp run dir (supervisord config,
# socket, logs, hub state, NNG runtime dir), a ring name with the PID in it,
# free ports picked at random.  The trap stops what the test started, by PID,
# and removes the ring and the run dir (kept with FAULT_KEEP=1, or printed
# when the test fails).
#
# Results go to the run dir: clients.json (wsclient.py), prodN.out
# (faultprod windows), marks (name + epoch seconds of each fault step);
# check.py turns them into the verdict.

set -u
: "${top_srcdir:?top_srcdir not set (run through make check)}"
: "${top_builddir:?top_builddir not set (run through make check)}"
PY=/usr/bin/python3
FAULT_SRC=$top_srcdir/tests/fault
# the daemons are built at the top of the build tree or in their directory
fault_find_bin() {
	local b
	for b in "$top_builddir/$1" "$top_builddir/$2/$1"; do
		[ -x "$b" ] && { echo "$b"; return; }
	done
	echo "$top_builddir/$1"
}
HUB_BIN=$(fault_find_bin flowhub hub)
EDGE_BIN=$(fault_find_bin flowhub-edge edge)
PROD_BIN=$top_builddir/tests/fault/faultprod

fault_log() { printf '%s %s: %s\n' "$(date -u +%H:%M:%S.%N | cut -c1-12)" "$FAULT_NAME" "$*"; }
fault_skip() { fault_log "SKIP: $*"; exit 77; }
fault_hard() { fault_log "ERROR: $*"; exit 99; }

FAULT_PIDS=()   # background processes this script started
FAULT_DAEMON_PIDS=() # hub/edge pids seen at the end, for the last resort
SUP_PID=

fault_cleanup() {
	local rc=$? p
	trap - EXIT INT TERM
	for p in "${FAULT_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	if [ -n "$SUP_PID" ] && kill -0 "$SUP_PID" 2>/dev/null; then
		FAULT_DAEMON_PIDS+=($(ctl pid all 2>/dev/null | grep -E '^[0-9]+$' | grep -v '^0$'))
		supervisorctl -c "$RUN/supervisord.conf" shutdown >/dev/null 2>&1 ||
			kill -TERM "$SUP_PID" 2>/dev/null
		for _ in $(seq 150); do kill -0 "$SUP_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SUP_PID" 2>/dev/null
	fi
	for p in "${FAULT_PIDS[@]}" "${FAULT_DAEMON_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${FAULT_EXTRA_CLEANUP:-}" ] && $FAULT_EXTRA_CLEANUP
	rm -f "/dev/shm/${RING#/}"
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -d "${RUN:-}" ]; then
		for f in "$RUN"/log/*.log "$RUN"/*.err; do
			[ -s "$f" ] || continue
			echo "===== tail $f"; tail -25 "$f"
		done
	fi
	if [ "${FAULT_KEEP:-0}" = 1 ]; then
		echo "run dir kept: $RUN"
	else
		rm -rf "${RUN:-/nonexistent}"
	fi
	exit "$rc"
}

# fault_free_ports N: N consecutive free TCP ports on loopback, below the
# kernel's ephemeral range: supervisord binds them only later, and a port
# in that range may meanwhile be taken by any outgoing connection of the
# tests running alongside (the other tests' servers use kernel-chosen
# ports, from that range too).
fault_free_ports() {
	$PY - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
top = low if low - n > 12000 else 60000
for _ in range(200):
    base = random.randrange(10000, top - n)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket()
            s.bind(("127.0.0.1", p))
            socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(base)
    sys.exit(0)
sys.exit(1)
EOF
}

# fault_init NAME EDGES: check facilities, make the run dir, fill the group.
fault_init() {
	FAULT_NAME=$1
	EDGES=${2:-2}
	command -v supervisord >/dev/null || fault_skip "supervisord not installed"
	command -v supervisorctl >/dev/null || fault_skip "supervisorctl not installed"
	[ -x $PY ] && $PY -c 'import websockets' 2>/dev/null ||
		fault_skip "$PY with the websockets module not available"
	for b in "$HUB_BIN" "$EDGE_BIN" "$PROD_BIN"; do
		[ -x "$b" ] || fault_skip "$(basename "$b") not built"
	done
	# One fault test at a time (make check -j runs scripts in parallel):
	# they measure latencies on a 2-CPU machine and each loads it fully.
	# Children never inherit the lock's descriptor (9>&- below).
	exec 9>"$top_builddir/tests/fault/.lock"
	flock -w 600 9 || fault_hard "another fault test holds the lock for 10 min"
	RUN=$(mktemp -d "${TMPDIR:-/tmp}/fhfault-$FAULT_NAME.XXXXXX") || fault_hard "mktemp"
	chmod 0700 "$RUN"
	trap fault_cleanup EXIT
	trap 'exit 99' INT TERM
	mkdir -p "$RUN/log" "$RUN/state" "$RUN/rt" "$RUN/bin"
	chmod 0700 "$RUN/rt" "$RUN/state"
	RING=/fhfault-$FAULT_NAME-$$
	PORT0=$(fault_free_ports "$EDGES") || fault_hard "no free ports"
	ln -sf "$HUB_BIN" "$RUN/bin/flowhub"
	ln -sf "$EDGE_BIN" "$RUN/bin/flowhub-edge"
	: > "$RUN/marks"
}

# fault_fill [LISTEN_ADDR]: the installed group with this run's values; the
# edges' first port is moved from the packaged 5000 to this run's ports.
fault_fill() {
	local listen=${1:-127.0.0.1} www=$top_srcdir/edge/www
	[ -d "$www" ] || { www=$RUN/www; mkdir -p "$www"; }
	"$top_srcdir/dist/fill-template" BINDIR="$RUN/bin" RUNDIR="$RUN/rt" \
		STATEDIR="$RUN/state" LOGDIR="$RUN/log" RING="$RING" \
		EDGES="$EDGES" LISTEN_ADDR="$listen" WWWDIR="$www" SUPERVISOR_CONFDIR="$RUN" \
		< "$top_srcdir/dist/supervisor/flowhub.conf.in" > "$RUN/flowhub.conf" ||
		fault_hard "fill-template failed"
	grep -q '^numprocs_start=5000$' "$RUN/flowhub.conf" ||
		fault_hard "the program group no longer starts edges at 5000"
	sed -i "s/^numprocs_start=5000\$/numprocs_start=$PORT0/" "$RUN/flowhub.conf"
	cat > "$RUN/supervisord.conf" <<CONF
[unix_http_server]
file=$RUN/supervisor.sock
chmod=0700

[supervisord]
logfile=$RUN/log/supervisord.log
pidfile=$RUN/supervisord.pid
childlogdir=$RUN/log
$( [ "$(id -u)" = 0 ] && echo user=root )

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$RUN/supervisor.sock

[include]
files = $RUN/flowhub.conf
CONF
}

ctl() { supervisorctl -c "$RUN/supervisord.conf" "$@"; }

# fault_pid PROGRAM: pid of flowhub:PROGRAM (flowhub-hub, edge-PORT), or empty
fault_pid() {
	local p
	p=$(ctl pid "flowhub:$1" 2>/dev/null)
	case $p in ''|0|*[!0-9]*) return 1 ;; esac
	echo "$p"
}

# fault_spawns PROGRAM: how often supervisord started it
fault_spawns() {
	grep -c "spawned: '$1' with pid" "$RUN/log/supervisord.log"
}

fault_mark() { echo "$1 $(date +%s.%N)" >> "$RUN/marks"; fault_log "mark $1"; }
fault_markval() { awk -v n="$1" '$1 == n { print $2 }' "$RUN/marks" | tail -1; }

# fault_http_ok URL: 0 when it answers 200
fault_http_ok() { curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null | grep -q '^200$'; }

# fault_wait_healthy HOSTPORT SECONDS [NETNS]
fault_wait_healthy() {
	local i n=$(( $2 * 10 )) pre=
	[ -n "${3:-}" ] && pre="ip netns exec $3"
	for i in $(seq "$n"); do
		if $pre curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$1/healthz" 2>/dev/null | grep -q '^200$'; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# fault_start: supervisord in the foreground of a background job, then wait
# until the hub runs and every edge is linked to it.
fault_start() {
	local i port
	supervisord -n -c "$RUN/supervisord.conf" > "$RUN/log/supervisord.out" 2>&1 9>&- &
	SUP_PID=$!
	for i in $(seq 100); do [ -S "$RUN/supervisor.sock" ] && break; sleep 0.1; done
	[ -S "$RUN/supervisor.sock" ] || fault_hard "supervisord did not start"
	for i in $(seq 100); do fault_pid flowhub-hub >/dev/null && break; sleep 0.1; done
	fault_pid flowhub-hub >/dev/null || fault_hard "hub not running"
	for port in $(fault_ports); do
		fault_wait_healthy "127.0.0.1:$port" 20 ${FAULT_EDGE_NS:-} ||
			fault_hard "edge on $port not linked to the hub"
	done
}

fault_ports() { seq "$PORT0" $(( PORT0 + EDGES - 1 )); }

# fault_wait_restart PROGRAM OLDPID SECONDS: until supervisord runs a new one
fault_wait_restart() {
	local i p
	for i in $(seq $(( $3 * 10 ))); do
		p=$(fault_pid "$1") && [ "$p" != "$2" ] && { echo "$p"; return 0; }
		sleep 0.1
	done
	return 1
}

# fault_clients NAME=URL... : start wsclient.py with FAULT_PER_URL clients per
# URL; returns when every client is subscribed.
fault_clients() {
	local args=() u
	for u in "$@"; do args+=(--url "$u"); done
	${FAULT_CLIENT_PREFIX:-} $PY "$FAULT_SRC/wsclient.py" "${args[@]}" \
		--per-url "${FAULT_PER_URL:-2}" --out "$RUN/clients.json" \
		--ready-file "$RUN/clients.ready" --target-file "$RUN/target" \
		--timeout "${FAULT_CLIENT_TIMEOUT:-150}" 2> "$RUN/clients.err" 9>&- &
	CLIENTS_PID=$!
	FAULT_PIDS+=("$CLIENTS_PID")
	for _ in $(seq 150); do
		[ -f "$RUN/clients.ready" ] && return 0
		kill -0 "$CLIENTS_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$RUN/clients.err" >&2
	fault_hard "clients did not get ready"
}

# fault_producer RUN ARGS...: faultprod in the background; PROD_PID
fault_producer() {
	local run=$1; shift
	"$PROD_BIN" --ring "$RING" --run-id "$run" "$@" \
		> "$RUN/prod$run.out" 2> "$RUN/prod$run.err" 9>&- &
	PROD_PID=$!
	FAULT_PIDS+=("$PROD_PID")
	fault_log "producer run $run started (pid $PROD_PID): $*"
}

# fault_state_seq PORT [NETNS]: seq of the state an edge serves
fault_state_seq() {
	local pre=
	[ -n "${2:-}" ] && pre="ip netns exec $2"
	$pre curl -s -m 2 "http://127.0.0.1:$1/api/v1/execution-sessions/current-execution" |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["data"]["seq"])' 2>/dev/null
}

# fault_settle [NETNS]: once the producers are done, wait until every edge
# serves the same seq for 1.5 s, write it as the clients' target and wait
# for the clients' report.
fault_settle() {
	local i s prev= same=0 port all
	for i in $(seq 300); do
		all=
		for port in $(fault_ports); do
			s=$(fault_state_seq "$port" ${1:-}) || s=x
			all="$all $s"
		done
		if [ "$all" = "$prev" ] && ! echo "$all" | grep -q x &&
			[ "$(echo $all | tr ' ' '\n' | sort -u | wc -l)" = 1 ]; then
			same=$((same + 1))
			[ "$same" -ge 3 ] && break
		else
			same=0
		fi
		prev=$all
		sleep 0.5
	done
	[ "$same" -ge 3 ] || fault_hard "edges never agreed on a final seq: $all"
	TARGET=$(echo $all | cut -d' ' -f1)
	echo "$TARGET" > "$RUN/target"
	fault_log "final seq $TARGET on every edge; waiting for the clients"
	wait "$CLIENTS_PID"
	CLIENTS_RC=$?
	[ -f "$RUN/clients.json" ] || { cat "$RUN/clients.err"; fault_hard "no client report"; }
	tail -3 "$RUN/clients.err"
}

# fault_check ARGS...: check.py over this run's files
fault_check() {
	local prods=() f
	for f in "$RUN"/prod*.out; do [ -f "$f" ] && prods+=(--producer "$f"); done
	${FAULT_CHECK_PREFIX:-} $PY "$FAULT_SRC/check.py" --clients "$RUN/clients.json" "${prods[@]}" \
		--marks "$RUN/marks" --json "$RUN/figures.json" "$@"
}

fault_state_urls() {
	local port
	for port in $(fault_ports); do
		echo "--state-url http://127.0.0.1:$port/api/v1/execution-sessions/current-execution"
	done
}
