# Unit tests of the benchmark tools' building blocks (handshake key, frame
# headers, histogram, message skimmer).  The tools themselves are built by
# `make bench` only; these sources are small enough to compile in here.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_bench_tools
TESTS += tests/unit/test_bench_tools
endif
tests_unit_test_bench_tools_SOURCES = tests/unit/test_bench_tools.c \
	bench/wskey.c bench/wsframe.c bench/hist.c bench/msgscan.c
tests_unit_test_bench_tools_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bench
tests_unit_test_bench_tools_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_bench_tools_LDADD = $(CHECK_LIBS)
