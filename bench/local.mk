# Benchmarks: built by `make bench` only, never by `make all` or
# `make check` (EXTRA_PROGRAMS are built only when asked for).  Each
# benchmark program adds itself to EXTRA_PROGRAMS and, as a prerequisite,
# to the `bench` target below.
#   wsload    WebSocket load generator (clients, latency, seq checks, RSS)
#   emitload  paced producer into the ring (or JSON lines for the baseline)
# bench/run drives them against flowhub and the Node.js baseline.

EXTRA_PROGRAMS += %reldir%/wsload

%canon_reldir%_wsload_SOURCES = %reldir%/wsload.c %reldir%/wskey.c \
	%reldir%/wskey.h %reldir%/hist.c %reldir%/hist.h
%canon_reldir%_wsload_LDADD = $(PTHREAD_LIBS)

CLEANFILES += %reldir%/wsload$(EXEEXT)

dist_noinst_SCRIPTS += %reldir%/run
EXTRA_DIST += %reldir%/emitload.c %reldir%/report.py %reldir%/baseline/server.js \
	%reldir%/baseline/package.json %reldir%/baseline/package-lock.json

.PHONY: bench
bench: %reldir%/wsload$(EXEEXT)
