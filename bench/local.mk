# Benchmarks: built by `make bench` only, never by `make all` or
# `make check` (EXTRA_PROGRAMS are built only when asked for).  Each
# benchmark program adds itself to EXTRA_PROGRAMS and, as a prerequisite,
# to the `bench` target below; results go to doc/performance.md.
#   ringbench  the ring alone (shmring)
#   wsload     WebSocket load generator (clients, latency, seq checks, RSS)
#   emitload   paced producer into the ring (or JSON lines for the baseline)
#   fanfloor   the least a fan-out can cost: ring -> one frame -> send() loop
# bench/run drives wsload and emitload against flowhub and the Node.js
# baseline.

.PHONY: bench

# ---- ring -------------------------------------------------------------------
EXTRA_PROGRAMS += %reldir%/ringbench
CLEANFILES += %reldir%/ringbench$(EXEEXT)
%canon_reldir%_ringbench_SOURCES = %reldir%/ringbench.c
%canon_reldir%_ringbench_LDADD = shmring/libshmring.la $(PTHREAD_LIBS)
bench: %reldir%/ringbench$(EXEEXT)

# ---- end to end -------------------------------------------------------------
EXTRA_PROGRAMS += %reldir%/wsload
CLEANFILES += %reldir%/wsload$(EXEEXT)
%canon_reldir%_wsload_SOURCES = %reldir%/wsload.c %reldir%/wskey.c \
	%reldir%/wskey.h %reldir%/wsframe.c %reldir%/wsframe.h \
	%reldir%/msgscan.c %reldir%/msgscan.h %reldir%/hist.c %reldir%/hist.h
%canon_reldir%_wsload_LDADD = $(PTHREAD_LIBS)
bench: %reldir%/wsload$(EXEEXT)

EXTRA_PROGRAMS += %reldir%/emitload
CLEANFILES += %reldir%/emitload$(EXEEXT)
%canon_reldir%_emitload_SOURCES = %reldir%/emitload.c %reldir%/hist.c \
	%reldir%/hist.h
%canon_reldir%_emitload_LDADD = shmring/libshmring.la
bench: %reldir%/emitload$(EXEEXT)

EXTRA_PROGRAMS += %reldir%/fanfloor
CLEANFILES += %reldir%/fanfloor$(EXEEXT)
%canon_reldir%_fanfloor_SOURCES = %reldir%/fanfloor.c %reldir%/wskey.c \
	%reldir%/wskey.h %reldir%/wsframe.c %reldir%/wsframe.h \
	%reldir%/hist.c %reldir%/hist.h
%canon_reldir%_fanfloor_LDADD = shmring/libshmring.la
bench: %reldir%/fanfloor$(EXEEXT)

dist_noinst_SCRIPTS += %reldir%/run
EXTRA_DIST += %reldir%/README.md %reldir%/latab %reldir%/floorab %reldir%/report.py %reldir%/perfsum.py %reldir%/baseline/server.js \
	%reldir%/baseline/package.json %reldir%/baseline/package-lock.json

# ---- hub ----------------------------------------------------------------------
EXTRA_PROGRAMS += %reldir%/hubbench
CLEANFILES += %reldir%/hubbench$(EXEEXT)
%canon_reldir%_hubbench_SOURCES = %reldir%/hubbench.c
%canon_reldir%_hubbench_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS) -I$(top_srcdir)/hub
%canon_reldir%_hubbench_LDADD = hub/libhub.la
bench: %reldir%/hubbench$(EXEEXT)
