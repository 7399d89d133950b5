# Code shared by every flowhub program: logging, configuration files,
# the event schema and the hub<->edge wire constants.
noinst_LTLIBRARIES += common/libfhcommon.la
common_libfhcommon_la_SOURCES = \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/conf.c %reldir%/conf.h \
	%reldir%/wire.h %reldir%/event.h
