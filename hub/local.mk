# flowhub, the hub daemon.  Everything but option parsing lives in the
# convenience library libhub.la, linked by the daemon, its tests and the
# benchmark.
noinst_LTLIBRARIES += hub/libhub.la
hub_libhub_la_SOURCES = \
	%reldir%/mpread.c %reldir%/mpread.h \
	%reldir%/record.c %reldir%/record.h \
	%reldir%/state.c %reldir%/state.h \
	%reldir%/message.c %reldir%/message.h %reldir%/pack.h \
	%reldir%/history.c %reldir%/history.h \
	%reldir%/filters.c %reldir%/filters.h \
	%reldir%/core.c %reldir%/core.h \
	%reldir%/mpbuf.c %reldir%/mpbuf.h \
	%reldir%/listen.c %reldir%/listen.h \
	%reldir%/publish.c %reldir%/publish.h \
	%reldir%/rpc.c %reldir%/rpc.h \
	%reldir%/checkpoint.c %reldir%/checkpoint.h \
	%reldir%/hub.c %reldir%/hub.h
hub_libhub_la_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS)
hub_libhub_la_LIBADD = shmring/libshmring.la common/libfhcommon.la \
	$(MSGPACK_LIBS) $(NNG_LIBS) $(PTHREAD_LIBS)

bin_PROGRAMS += flowhub
flowhub_SOURCES = %reldir%/main.c
flowhub_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS)
flowhub_LDADD = hub/libhub.la
dist_man_MANS += doc/flowhub.8
