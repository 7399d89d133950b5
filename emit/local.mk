# flowhub-emit: JSON lines or a simulated program run into the ring.
bin_PROGRAMS += emit/flowhub-emit
emit_flowhub_emit_SOURCES = %reldir%/main.c %reldir%/lines.c \
	%reldir%/demo.c %reldir%/emit.h
emit_flowhub_emit_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS) $(JANSSON_CFLAGS)
emit_flowhub_emit_LDADD = common/libfhcommon.la shmring/libshmring.la \
	$(MSGPACK_LIBS) $(JANSSON_LIBS) -lm
dist_man_MANS += doc/flowhub-emit.1
