# Fuzz targets (tests/fuzz/fuzz_*.c, each an LLVMFuzzerTestOneInput).
#
# Every target is built twice:
#  - tests/fuzz/replay_NAME: the target + a plain main (replay.c) that
#    runs the committed corpus tests/fuzz/corpus/NAME.  Any compiler;
#    registered in TESTS so `make check` replays every seed and every
#    regression input on each build (under ASan in tools/check --asan).
#  - tests/fuzz/fuzz_NAME: the libFuzzer binary, only with
#    ./configure --enable-fuzz CC=clang, built by `make fuzz` (it is an
#    EXTRA_PROGRAM, so plain `make` does not build it).  tools/check
#    --fuzz runs each for a fixed time.
FUZZ_PROGS =

check_PROGRAMS += tests/fuzz/replay_conf
TESTS += tests/fuzz/replay_conf
tests_fuzz_replay_conf_SOURCES = %reldir%/fuzz/fuzz_conf.c %reldir%/fuzz/replay.c
tests_fuzz_replay_conf_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"conf"'
tests_fuzz_replay_conf_LDADD = common/libfhcommon.la

check_PROGRAMS += tests/fuzz/replay_ring
TESTS += tests/fuzz/replay_ring
tests_fuzz_replay_ring_SOURCES = %reldir%/fuzz/fuzz_ring.c %reldir%/fuzz/replay.c
tests_fuzz_replay_ring_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"ring"'
tests_fuzz_replay_ring_LDADD = shmring/libshmring.la

check_PROGRAMS += tests/fuzz/replay_event
TESTS += tests/fuzz/replay_event
tests_fuzz_replay_event_SOURCES = %reldir%/fuzz/fuzz_event.c %reldir%/fuzz/replay.c
tests_fuzz_replay_event_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"event"'
tests_fuzz_replay_event_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_replay_event_LDADD = common/libfhcommon.la $(MSGPACK_LIBS) $(JANSSON_LIBS)

if ENABLE_FUZZ
FUZZ_PROGS += tests/fuzz/fuzz_event
tests_fuzz_fuzz_event_SOURCES = %reldir%/fuzz/fuzz_event.c
tests_fuzz_fuzz_event_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_event_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_event_LDADD = common/libfhcommon.la $(MSGPACK_LIBS) $(JANSSON_LIBS)

FUZZ_PROGS += tests/fuzz/fuzz_ring
tests_fuzz_fuzz_ring_SOURCES = %reldir%/fuzz/fuzz_ring.c
tests_fuzz_fuzz_ring_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_ring_LDADD = shmring/libshmring.la

FUZZ_PROGS += tests/fuzz/fuzz_conf
tests_fuzz_fuzz_conf_SOURCES = %reldir%/fuzz/fuzz_conf.c
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_conf_LDADD = common/libfhcommon.la
endif

# Edge targets: the client-message handler and the msgpack -> JSON writer.
FUZZ_EDGE_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/edge
FUZZ_EDGE_CFLAGS = $(AM_CFLAGS) $(LWS_CFLAGS) $(MSGPACK_CFLAGS) $(JANSSON_CFLAGS)
FUZZ_EDGE_LIBS = edge/libedge.la common/libfhcommon.la
check_PROGRAMS += tests/fuzz/replay_proto tests/fuzz/replay_mp2json \
	tests/fuzz/replay_edgeconf
TESTS += tests/fuzz/replay_proto tests/fuzz/replay_mp2json \
	tests/fuzz/replay_edgeconf
tests_fuzz_replay_edgeconf_SOURCES = %reldir%/fuzz/fuzz_edgeconf.c %reldir%/fuzz/replay.c
tests_fuzz_replay_edgeconf_CPPFLAGS = $(FUZZ_EDGE_CPPFLAGS) -DFUZZ_NAME='"edgeconf"'
tests_fuzz_replay_edgeconf_CFLAGS = $(FUZZ_EDGE_CFLAGS)
tests_fuzz_replay_edgeconf_LDADD = $(FUZZ_EDGE_LIBS)
tests_fuzz_replay_proto_SOURCES = %reldir%/fuzz/fuzz_proto.c %reldir%/fuzz/replay.c
tests_fuzz_replay_proto_CPPFLAGS = $(FUZZ_EDGE_CPPFLAGS) -DFUZZ_NAME='"proto"'
tests_fuzz_replay_proto_CFLAGS = $(FUZZ_EDGE_CFLAGS)
tests_fuzz_replay_proto_LDADD = $(FUZZ_EDGE_LIBS)
tests_fuzz_replay_mp2json_SOURCES = %reldir%/fuzz/fuzz_mp2json.c %reldir%/fuzz/replay.c
tests_fuzz_replay_mp2json_CPPFLAGS = $(FUZZ_EDGE_CPPFLAGS) -DFUZZ_NAME='"mp2json"'
tests_fuzz_replay_mp2json_CFLAGS = $(FUZZ_EDGE_CFLAGS)
tests_fuzz_replay_mp2json_LDADD = $(FUZZ_EDGE_LIBS)

if ENABLE_FUZZ
FUZZ_PROGS += tests/fuzz/fuzz_proto tests/fuzz/fuzz_mp2json tests/fuzz/fuzz_edgeconf
tests_fuzz_fuzz_edgeconf_SOURCES = %reldir%/fuzz/fuzz_edgeconf.c
tests_fuzz_fuzz_edgeconf_CPPFLAGS = $(FUZZ_EDGE_CPPFLAGS)
tests_fuzz_fuzz_edgeconf_CFLAGS = $(FUZZ_EDGE_CFLAGS)
tests_fuzz_fuzz_edgeconf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_edgeconf_LDADD = $(FUZZ_EDGE_LIBS)
tests_fuzz_fuzz_proto_SOURCES = %reldir%/fuzz/fuzz_proto.c
tests_fuzz_fuzz_proto_CPPFLAGS = $(FUZZ_EDGE_CPPFLAGS)
tests_fuzz_fuzz_proto_CFLAGS = $(FUZZ_EDGE_CFLAGS)
tests_fuzz_fuzz_proto_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_proto_LDADD = $(FUZZ_EDGE_LIBS)
tests_fuzz_fuzz_mp2json_SOURCES = %reldir%/fuzz/fuzz_mp2json.c
tests_fuzz_fuzz_mp2json_CPPFLAGS = $(FUZZ_EDGE_CPPFLAGS)
tests_fuzz_fuzz_mp2json_CFLAGS = $(FUZZ_EDGE_CFLAGS)
tests_fuzz_fuzz_mp2json_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_mp2json_LDADD = $(FUZZ_EDGE_LIBS)
endif

# Hub target: ring records -> state, envelopes, history; checkpoints.
check_PROGRAMS += tests/fuzz/replay_hub
TESTS += tests/fuzz/replay_hub
tests_fuzz_replay_hub_SOURCES = %reldir%/fuzz/fuzz_hub.c %reldir%/fuzz/replay.c
tests_fuzz_replay_hub_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hub -DFUZZ_NAME='"hub"'
tests_fuzz_replay_hub_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS)
tests_fuzz_replay_hub_LDADD = hub/libhub.la
check_PROGRAMS += tests/fuzz/replay_rpc
TESTS += tests/fuzz/replay_rpc
tests_fuzz_replay_rpc_SOURCES = %reldir%/fuzz/fuzz_rpc.c %reldir%/fuzz/replay.c
tests_fuzz_replay_rpc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hub -DFUZZ_NAME='"rpc"'
tests_fuzz_replay_rpc_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS)
tests_fuzz_replay_rpc_LDADD = hub/libhub.la

if ENABLE_FUZZ
FUZZ_PROGS += tests/fuzz/fuzz_hub
tests_fuzz_fuzz_hub_SOURCES = %reldir%/fuzz/fuzz_hub.c
tests_fuzz_fuzz_hub_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hub
tests_fuzz_fuzz_hub_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS)
tests_fuzz_fuzz_hub_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_hub_LDADD = hub/libhub.la
FUZZ_PROGS += tests/fuzz/fuzz_rpc
tests_fuzz_fuzz_rpc_SOURCES = %reldir%/fuzz/fuzz_rpc.c
tests_fuzz_fuzz_rpc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hub
tests_fuzz_fuzz_rpc_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS)
tests_fuzz_fuzz_rpc_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rpc_LDADD = hub/libhub.la
endif

# Threads on one ring in one process, for ThreadSanitizer (tsan.sh runs
# it in a -fsanitize=thread build); make check runs it as a plain test.
check_PROGRAMS += tests/fuzz/ring_threads
TESTS += tests/fuzz/ring_threads
tests_fuzz_ring_threads_SOURCES = %reldir%/fuzz/ring_threads.c
tests_fuzz_ring_threads_LDADD = shmring/libshmring.la $(PTHREAD_LIBS)

EXTRA_PROGRAMS += $(FUZZ_PROGS)
CLEANFILES += $(FUZZ_PROGS)
EXTRA_DIST += %reldir%/fuzz/corpus %reldir%/fuzz/run.sh \
	%reldir%/fuzz/tsan.sh %reldir%/fuzz/tsan.supp %reldir%/fuzz/fuzz_stale.h %reldir%/fuzz/conf.dict \
	%reldir%/fuzz/event.dict \
	%reldir%/fuzz/proto.dict %reldir%/fuzz/mp2json.dict %reldir%/fuzz/hub.dict %reldir%/fuzz/edgeconf.dict %reldir%/fuzz/rpc.dict

.PHONY: fuzz
if ENABLE_FUZZ
fuzz: $(FUZZ_PROGS)
else
fuzz:
	@echo "make fuzz: configure with --enable-fuzz CC=clang" >&2; exit 1
endif
