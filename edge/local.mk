# flowhub-edge: WebSocket/HTTP front of the hub.  main.c holds only
# options, configuration and signals; everything else is the convenience
# library libedge.la, linked by the daemon and by the unit tests.
noinst_LTLIBRARIES += edge/libedge.la
edge_libedge_la_SOURCES = \
	%reldir%/edge.h \
	%reldir%/buf.c %reldir%/buf.h \
	%reldir%/mpread.c %reldir%/mpread.h \
	%reldir%/mp2json.c %reldir%/mp2json.h \
	%reldir%/frame.c %reldir%/frame.h \
	%reldir%/fq.c %reldir%/fq.h \
	%reldir%/recent.c %reldir%/recent.h \
	%reldir%/proto.c %reldir%/proto.h \
	%reldir%/token.c %reldir%/token.h \
	%reldir%/json2mp.c \
	%reldir%/conf.c \
	%reldir%/link.c %reldir%/link.h \
	%reldir%/sync.c %reldir%/sync.h \
	%reldir%/filters.c \
	%reldir%/client.c \
	%reldir%/http.c \
	%reldir%/handshakes.c \
	%reldir%/lwsmem.c %reldir%/lwsmem.h \
	%reldir%/metrics.c \
	%reldir%/server.c
edge_libedge_la_CPPFLAGS = $(AM_CPPFLAGS) -DFH_WWWDIR='"$(wwwdir)"'
edge_libedge_la_CFLAGS = $(AM_CFLAGS) $(LWS_CFLAGS) $(MSGPACK_CFLAGS) \
	$(JANSSON_CFLAGS)
edge_libedge_la_LIBADD = common/libfhcommon.la $(LWS_LIBS) $(MSGPACK_LIBS) \
	$(JANSSON_LIBS) $(NNG_LIBS) -lm

bin_PROGRAMS += edge/flowhub-edge
edge_flowhub_edge_SOURCES = %reldir%/main.c
edge_flowhub_edge_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/edge
edge_flowhub_edge_CFLAGS = $(AM_CFLAGS) $(LWS_CFLAGS) $(MSGPACK_CFLAGS) \
	$(JANSSON_CFLAGS)
edge_flowhub_edge_LDADD = edge/libedge.la

dist_man_MANS += doc/flowhub-edge.8

include edge/www/local.mk
