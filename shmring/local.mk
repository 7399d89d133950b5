# libshmring: the installed ring library, its header and pkg-config file.
lib_LTLIBRARIES += shmring/libshmring.la
include_HEADERS += %reldir%/shmring.h %reldir%/shmring_event.h
pkgconfig_DATA += %reldir%/shmring.pc
EXTRA_DIST += %reldir%/shmring.pc.in
shmring_libshmring_la_SOURCES = \
	%reldir%/shmring.c %reldir%/consumer.c %reldir%/liveness.c \
	%reldir%/shmring_private.h
shmring_libshmring_la_LDFLAGS = $(AM_LDFLAGS) -version-info 1:0:0 \
	-export-symbols-regex '^shmring_[a-z]'
# The per-event producer API (shmring_event.h) and the bounded msgpack
# walk it checks pre-packed objects with (not exported).
shmring_libshmring_la_SOURCES += %reldir%/event.c \
	common/mpvalid.c common/mpvalid.h common/mphead.h common/event.h
dist_man_MANS += doc/shmring.3
