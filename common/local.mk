# Code shared by every flowhub program: logging, configuration files,
# the event schema and the hub<->edge wire constants.
noinst_LTLIBRARIES += common/libfhcommon.la
common_libfhcommon_la_SOURCES = \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/conf.c %reldir%/conf.h \
	%reldir%/wire.h %reldir%/event.h \
	%reldir%/schedpolicy.c %reldir%/schedpolicy.h
# The event schema (JSON lines -> ring payloads, payload checks) and the
# bounded msgpack walk.  Per-target flags also keep these objects apart
# from the copy of mpvalid.c compiled into libshmring.
common_libfhcommon_la_SOURCES += \
	%reldir%/event.c %reldir%/mpvalid.c %reldir%/mpvalid.h %reldir%/mphead.h \
	%reldir%/fnv.h
common_libfhcommon_la_CFLAGS = $(AM_CFLAGS) $(MSGPACK_CFLAGS) $(JANSSON_CFLAGS)
common_libfhcommon_la_LIBADD = $(MSGPACK_LIBS) $(JANSSON_LIBS)
