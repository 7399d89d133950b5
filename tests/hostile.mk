# Hostile-client end-to-end tests (tests/hostile/*.sh): connection floods,
# slowloris, oversized frames, junk floods, never-reading subscribers, bad
# tokens and Origins, file modes of the shm segment and runtime dir.  Each
# prints its measured numbers into its .log.
check_PROGRAMS += tests/hostile/tokentime
tests_hostile_tokentime_SOURCES = %reldir%/hostile/tokentime.c
tests_hostile_tokentime_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/edge
tests_hostile_tokentime_LDADD = edge/libedge.la
TESTS += \
	tests/hostile/tokentime \
	%reldir%/hostile/perms.sh \
	%reldir%/hostile/auth.sh \
	%reldir%/hostile/bigframe.sh \
	%reldir%/hostile/junkflood.sh \
	%reldir%/hostile/neverread.sh \
	%reldir%/hostile/slowloris.sh \
	%reldir%/hostile/conn_flood.sh \
	%reldir%/hostile/silent_flood.sh \
	%reldir%/hostile/valgrind.sh
EXTRA_DIST += %reldir%/hostile/perms.sh %reldir%/hostile/auth.sh \
	%reldir%/hostile/bigframe.sh %reldir%/hostile/junkflood.sh \
	%reldir%/hostile/neverread.sh %reldir%/hostile/slowloris.sh \
	%reldir%/hostile/conn_flood.sh %reldir%/hostile/valgrind.sh \
	%reldir%/hostile/lib.sh %reldir%/hostile/wsraw.py \
	%reldir%/hostile/auth.py %reldir%/hostile/bigframe.py \
	%reldir%/hostile/junkflood.py %reldir%/hostile/neverread.py \
	%reldir%/hostile/slowloris.py %reldir%/hostile/conn_flood.py \
	%reldir%/hostile/silent_flood.sh %reldir%/hostile/silent_flood.py \
	%reldir%/fuzz/session.py
